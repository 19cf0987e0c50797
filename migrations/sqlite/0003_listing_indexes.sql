-- Story lists walk an index in publication order and stop after one page, whatever the size of
-- the archive: each story's publication time is copied onto its section, tag and byline rows
-- (the store writes them in the same transaction as the story's own time).
-- Keep in step with migrations/postgres/0003_listing_indexes.sql.

ALTER TABLE article_categories ADD COLUMN published_at TEXT;
ALTER TABLE article_tags ADD COLUMN published_at TEXT;
ALTER TABLE article_authors ADD COLUMN published_at TEXT;

UPDATE article_categories SET published_at = (SELECT published_at FROM articles WHERE id = article_id);
UPDATE article_tags SET published_at = (SELECT published_at FROM articles WHERE id = article_id);
UPDATE article_authors SET published_at = (SELECT published_at FROM articles WHERE id = article_id);

CREATE INDEX article_categories_listing_idx ON article_categories (category_id, published_at DESC, article_id DESC);
CREATE INDEX article_tags_listing_idx ON article_tags (tag_id, published_at DESC, article_id DESC);
CREATE INDEX article_authors_listing_idx ON article_authors (user_id, published_at DESC, article_id DESC);

-- The front page lists sticky stories first.
CREATE INDEX articles_front_idx ON articles (status, sticky DESC, published_at DESC, id DESC);
DROP INDEX articles_sticky_idx;
