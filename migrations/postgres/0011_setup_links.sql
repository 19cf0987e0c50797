-- One-time links that create a new site's first administrator (logged by `newsdesk serve`
-- while the site has no administrator). Only the SHA-256 of each link's token is stored; a
-- link stops working when used, when it expires, and as soon as any administrator exists.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
