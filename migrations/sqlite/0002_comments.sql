-- Reader comments: moderation tokens, reply subscriptions, and the moderation log.
-- Keep in step with migrations/postgres/0002_comments.sql.

ALTER TABLE comments ADD COLUMN moderation_token TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN updated_at TEXT;
-- Reply notifications: requested on the form, confirmed by a link sent by email (double opt-in),
-- ended by a one-click unsubscribe link.
ALTER TABLE comments ADD COLUMN notify_replies TEXT NOT NULL DEFAULT 'no'
    CHECK (notify_replies IN ('no', 'requested', 'confirmed', 'unsubscribed'));
ALTER TABLE comments ADD COLUMN notify_token TEXT NOT NULL DEFAULT '';

CREATE INDEX comments_ip_idx ON comments (author_ip, created_at);
CREATE INDEX comments_email_idx ON comments (author_email, status);
CREATE INDEX comments_status_idx ON comments (status, created_at);

CREATE TABLE comment_log (
    id         INTEGER PRIMARY KEY,
    -- No foreign key: the record of a deletion outlives the comment.
    comment_id INTEGER NOT NULL,
    action     TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX comment_log_comment_idx ON comment_log (comment_id, created_at);
