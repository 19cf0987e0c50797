-- Pages take comments as stories do (WordPress pages have the same comment form, threads and
-- moderation): a comment belongs to a story or to a page, never both. Pages start closed, as
-- WordPress creates them; an import carries each page's own setting.
-- Keep in step with migrations/postgres/0018_page_comments.sql.
ALTER TABLE pages ADD COLUMN comment_status TEXT NOT NULL DEFAULT 'closed'
    CHECK (comment_status IN ('open', 'closed'));

-- SQLite cannot drop a NOT NULL in place: the table is rebuilt with the same rows and ids,
-- and every index keeps its name. The old table is renamed first (which moves its own
-- parent_id reference with it), so dropping it never touches the new table's threads.
ALTER TABLE comments RENAME TO comments_old;
CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,
    article_id       INTEGER REFERENCES articles (id) ON DELETE CASCADE,
    parent_id        INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name      TEXT NOT NULL,
    author_email     TEXT NOT NULL,
    author_url       TEXT NOT NULL DEFAULT '',
    author_ip        TEXT NOT NULL DEFAULT '',
    user_agent       TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    spam_score       INTEGER NOT NULL DEFAULT 0,
    spam_reasons     TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    moderation_token TEXT NOT NULL DEFAULT '',
    updated_at       TEXT,
    notify_replies   TEXT NOT NULL DEFAULT 'no'
                     CHECK (notify_replies IN ('no', 'requested', 'confirmed', 'unsubscribed')),
    notify_token     TEXT NOT NULL DEFAULT '',
    page_id          INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    CONSTRAINT comments_one_thread CHECK ((article_id IS NULL) <> (page_id IS NULL))
);
INSERT INTO comments (id, article_id, parent_id, user_id, author_name, author_email, author_url,
                          author_ip, user_agent, body, status, spam_score, spam_reasons, created_at,
                          moderation_token, updated_at, notify_replies, notify_token, page_id)
    SELECT id, article_id, parent_id, user_id, author_name, author_email, author_url,
           author_ip, user_agent, body, status, spam_score, spam_reasons, created_at,
           moderation_token, updated_at, notify_replies, notify_token, NULL
    FROM comments_old;
DROP TABLE comments_old;
CREATE INDEX comments_article_idx ON comments (article_id, status, created_at);
CREATE INDEX comments_page_idx ON comments (page_id, status, created_at) WHERE page_id IS NOT NULL;
CREATE INDEX comments_ip_idx ON comments (author_ip, created_at);
CREATE INDEX comments_email_idx ON comments (author_email, status);
CREATE INDEX comments_status_idx ON comments (status, created_at);
