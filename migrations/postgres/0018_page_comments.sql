-- Pages take comments as stories do (WordPress pages have the same comment form, threads and
-- moderation): a comment belongs to a story or to a page, never both. Pages start closed, as
-- WordPress creates them; an import carries each page's own setting.
-- Keep in step with migrations/sqlite/0018_page_comments.sql.
ALTER TABLE pages ADD COLUMN comment_status TEXT NOT NULL DEFAULT 'closed'
    CHECK (comment_status IN ('open', 'closed'));

ALTER TABLE comments ALTER COLUMN article_id DROP NOT NULL;
ALTER TABLE comments ADD COLUMN page_id BIGINT REFERENCES pages (id) ON DELETE CASCADE;
ALTER TABLE comments ADD CONSTRAINT comments_one_thread CHECK ((article_id IS NULL) <> (page_id IS NULL));
CREATE INDEX comments_page_idx ON comments (page_id, status, created_at) WHERE page_id IS NOT NULL;
