-- Versions: no lost updates. Keep in step with migrations/sqlite/0017_versions.sql.

-- Every write of a story's or page's content or state adds one to `version`; a save names the
-- version it was based on and is refused when the row has moved on (`UPDATE … WHERE id = $1
-- AND version = $2`, which two nodes cannot both pass). `updated_by` is who made the current
-- version (NULL: the publishing schedule, or an account deleted since), for the message a
-- refused save shows.
ALTER TABLE articles ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE pages ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE pages ADD COLUMN updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- The version of its story or page a revision's text was saved as, so a refused save can show
-- what changed between the version it started from and the current one. Older revisions have
-- none, except each story's and page's newest, which is the text of its version 1.
ALTER TABLE revisions ADD COLUMN version BIGINT;
UPDATE revisions SET version = 1
 WHERE id IN (SELECT MAX(id) FROM revisions GROUP BY article_id, page_id);

-- The version an autosave was typed on top of: restoring it is a save from that version.
ALTER TABLE autosaves ADD COLUMN base_version BIGINT;
