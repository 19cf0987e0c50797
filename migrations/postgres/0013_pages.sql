-- Static pages are edited like stories: a featured image from the media library, and
-- revisions in the one revisions table, each row belonging to a story or to a page.
ALTER TABLE pages ADD COLUMN featured_image_id BIGINT REFERENCES media (id) ON DELETE SET NULL;
CREATE INDEX pages_parent_idx ON pages (parent_id);
CREATE INDEX pages_status_idx ON pages (status, updated_at);

ALTER TABLE revisions ALTER COLUMN article_id DROP NOT NULL;
ALTER TABLE revisions ADD COLUMN page_id BIGINT REFERENCES pages (id) ON DELETE CASCADE;
ALTER TABLE revisions ADD CONSTRAINT revisions_one_owner CHECK ((article_id IS NULL) <> (page_id IS NULL));
CREATE INDEX revisions_page_idx ON revisions (page_id, id) WHERE page_id IS NOT NULL;
