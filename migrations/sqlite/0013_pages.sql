-- Static pages are edited like stories: a featured image from the media library, and
-- revisions in the one revisions table, each row belonging to a story or to a page.
ALTER TABLE pages ADD COLUMN featured_image_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
CREATE INDEX pages_parent_idx ON pages (parent_id);
CREATE INDEX pages_status_idx ON pages (status, updated_at);

-- SQLite cannot drop a NOT NULL in place: the table is rebuilt with the same rows and ids.
CREATE TABLE revisions_new (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER REFERENCES articles (id) ON DELETE CASCADE,
    page_id    INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    title      TEXT NOT NULL,
    excerpt    TEXT NOT NULL,
    body       TEXT NOT NULL,
    CONSTRAINT revisions_one_owner CHECK ((article_id IS NULL) <> (page_id IS NULL))
);
INSERT INTO revisions_new (id, article_id, page_id, user_id, created_at, title, excerpt, body)
    SELECT id, article_id, NULL, user_id, created_at, title, excerpt, body FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
CREATE INDEX revisions_article_idx ON revisions (article_id, id);
CREATE INDEX revisions_page_idx ON revisions (page_id, id) WHERE page_id IS NOT NULL;
