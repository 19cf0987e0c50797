-- Imports before this one put a WordPress site's header menu at the location `header`, which
-- no page shows (the header menu's location is `primary`). Moved there, unless a header menu
-- was made since; then it stays where it was, as it was.
UPDATE menus SET location = 'primary'
WHERE location = 'header'
  AND NOT EXISTS (SELECT 1 FROM menus AS made WHERE made.location = 'primary');
