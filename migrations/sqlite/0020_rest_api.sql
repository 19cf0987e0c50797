-- What the WordPress REST API needs: application passwords, and indexes for its lookups.

-- Application passwords (WordPress's, for the REST API): each person may hold several, one per
-- tool, each shown once when created; only the SHA-256 of the secret is kept (it is random and
-- long, so a fast hash is enough and every API request can check it cheaply).
CREATE TABLE app_passwords (
    uuid         TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    last_ip      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX app_passwords_user_idx ON app_passwords (user_id);

-- Stories saved through the editor or the API name their tags; a tag is found by its name
-- first (a renamed tag keeps its old slug), so names are indexed.
CREATE INDEX tags_name_idx ON tags (name);

-- The REST API's public media list asks, per library item, whether a published story or page
-- shows it as its featured image, or a listed person as their avatar.
CREATE INDEX articles_featured_image_idx ON articles (featured_image_id) WHERE featured_image_id IS NOT NULL;
CREATE INDEX pages_featured_image_idx ON pages (featured_image_id) WHERE featured_image_id IS NOT NULL;
CREATE INDEX users_avatar_idx ON users (avatar_id) WHERE avatar_id IS NOT NULL;
