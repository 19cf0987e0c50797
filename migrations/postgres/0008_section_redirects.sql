-- Old section slugs, kept when a section is renamed, merged or deleted into another, so their
-- public addresses (`/category/old-slug/`) lead to where the stories are now.
-- Keep in step with migrations/sqlite/0008_section_redirects.sql.

CREATE TABLE category_redirects (
    slug        TEXT COLLATE "C" PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE
);
CREATE INDEX category_redirects_category_idx ON category_redirects (category_id);
