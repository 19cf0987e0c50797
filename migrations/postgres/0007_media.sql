-- Media ids are never reused. An identity column never gives an id twice, so PostgreSQL needs
-- nothing here; migrations/sqlite/0007_media.sql rebuilds SQLite's table with AUTOINCREMENT.
-- Keep in step with migrations/sqlite/0007_media.sql.

SELECT 1;
