-- WordPress migration. Keep in step with migrations/postgres/0016_wordpress.sql.

-- Where each imported WordPress object went, so importing the same export again updates in
-- place instead of duplicating, and old `?p=ID`-style addresses find their new home.
CREATE TABLE wordpress_ids (
    kind     TEXT NOT NULL CHECK (kind IN ('user', 'category', 'tag', 'post', 'page', 'attachment',
                                           'comment', 'menu', 'menu_item')),
    wp_id    BIGINT NOT NULL,
    local_id BIGINT NOT NULL,
    PRIMARY KEY (kind, wp_id)
);
CREATE INDEX wordpress_ids_local_idx ON wordpress_ids (kind, local_id);

-- Old addresses (path, with the query string where it matters) answered with a permanent
-- redirect to what now lives at the target; the target is a row, not a URL, so a later change
-- of slug is followed.
CREATE TABLE legacy_urls (
    path        TEXT NOT NULL CONSTRAINT legacy_urls_pkey PRIMARY KEY,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('story', 'page', 'media', 'section', 'tag',
                                                     'author')),
    target_id   BIGINT NOT NULL
);

-- A password-protected story or page, as in WordPress: readers see the title and a form asking
-- for the password; the text shows only after it is given. Empty: not protected.
ALTER TABLE articles ADD COLUMN password TEXT NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN password TEXT NOT NULL DEFAULT '';
