-- The newsroom's story list shows the most recently changed stories first. This index lets it
-- read the first page in order instead of sorting the whole archive. No public query filters
-- or orders by updated_at (sitemaps take a MAX of an expression), so public plans are unchanged.
-- Keep in step with migrations/postgres/0009_desk_index.sql.
CREATE INDEX articles_changed_idx ON articles (updated_at DESC, id DESC);
