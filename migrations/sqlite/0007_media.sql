-- no-transaction
-- Media ids are never reused. SQLite gives a new row the highest id plus one, so deleting the
-- newest upload would hand its id to the next one: its addresses (`/media/ID/…`, cached by
-- browsers for a year, quoted in story bodies) would then show a different image. AUTOINCREMENT
-- remembers the highest id ever given. SQLite cannot add it to a table, so the table is rebuilt
-- the documented way: with foreign keys off (stories and files keep pointing at `media` by
-- name, and dropping the old table must not empty them), in one transaction.
-- Keep in step with migrations/postgres/0007_media.sql.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE media_rebuilt (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    url         TEXT NOT NULL,
    alt_text    TEXT NOT NULL DEFAULT '',
    caption     TEXT NOT NULL DEFAULT '',
    mime_type   TEXT NOT NULL DEFAULT '',
    width       INTEGER,
    height      INTEGER,
    created_at  TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    byte_size   BIGINT NOT NULL DEFAULT 0,
    uploaded_by INTEGER REFERENCES users (id) ON DELETE SET NULL
);
INSERT INTO media_rebuilt (id, url, alt_text, caption, mime_type, width, height, created_at,
                           file_name, byte_size, uploaded_by)
    SELECT id, url, alt_text, caption, mime_type, width, height, created_at,
           file_name, byte_size, uploaded_by
    FROM media;
DROP TABLE media;
ALTER TABLE media_rebuilt RENAME TO media;

COMMIT;
PRAGMA foreign_keys = ON;
