-- Newsdesk foundation schema (SQLite). Keep in step with migrations/postgres/0001_foundation.sql:
-- same tables, columns and constraint names; only column types differ.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL CONSTRAINT users_login_key UNIQUE,
    email         TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL,
    slug          TEXT NOT NULL CONSTRAINT users_slug_key UNIQUE,
    bio           TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'author', 'contributor')),
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL,
    CONSTRAINT users_slug_not_login CHECK (slug <> login)
);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL CONSTRAINT categories_slug_key UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id   INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL CONSTRAINT tags_slug_key UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE media (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    alt_text   TEXT NOT NULL DEFAULT '',
    caption    TEXT NOT NULL DEFAULT '',
    mime_type  TEXT NOT NULL DEFAULT '',
    width      INTEGER,
    height     INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE articles (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    slug              TEXT NOT NULL CONSTRAINT articles_slug_key UNIQUE,
    body              TEXT NOT NULL DEFAULT '',
    excerpt           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'pending', 'scheduled', 'published', 'private', 'trash')),
    published_at      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    credit_line       TEXT NOT NULL DEFAULT '',
    source_agency     TEXT NOT NULL DEFAULT '',
    source_url        TEXT NOT NULL DEFAULT '',
    embargo_until     TEXT,
    featured_image_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    sticky            BOOLEAN NOT NULL DEFAULT FALSE,
    comment_status    TEXT NOT NULL DEFAULT 'open' CHECK (comment_status IN ('open', 'closed'))
);
CREATE INDEX articles_public_idx ON articles (status, published_at DESC, id DESC);
CREATE INDEX articles_sticky_idx ON articles (sticky, status, published_at DESC);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, user_id)
);
CREATE INDEX article_authors_user_idx ON article_authors (user_id, article_id);

CREATE TABLE article_categories (
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, category_id)
);
CREATE INDEX article_categories_category_idx ON article_categories (category_id, article_id);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);

CREATE TABLE pages (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    slug         TEXT NOT NULL CONSTRAINT pages_slug_key UNIQUE,
    body         TEXT NOT NULL DEFAULT '',
    excerpt      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'pending', 'scheduled', 'published', 'private', 'trash')),
    parent_id    INTEGER REFERENCES pages (id) ON DELETE SET NULL,
    menu_order   INTEGER NOT NULL DEFAULT 0,
    author_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    published_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id    INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name  TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_url   TEXT NOT NULL DEFAULT '',
    author_ip    TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    spam_score   INTEGER NOT NULL DEFAULT 0,
    spam_reasons TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE INDEX comments_article_idx ON comments (article_id, status, created_at);

CREATE TABLE widget_areas (
    slug        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
INSERT INTO widget_areas (slug, name, description) VALUES
    ('sidebar', 'Sidebar', 'Beside stories, archives and pages.'),
    ('footer', 'Footer', 'At the foot of every page.');

CREATE TABLE widgets (
    id       INTEGER PRIMARY KEY,
    area     TEXT NOT NULL REFERENCES widget_areas (slug) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    kind     TEXT NOT NULL CHECK (kind IN ('posts_in_category', 'featured_post', 'latest_posts', 'text')),
    title    TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX widgets_area_idx ON widgets (area, position);

CREATE TABLE menus (
    id       INTEGER PRIMARY KEY,
    location TEXT NOT NULL CONSTRAINT menus_location_key UNIQUE,
    name     TEXT NOT NULL
);

CREATE TABLE menu_items (
    id        INTEGER PRIMARY KEY,
    menu_id   INTEGER NOT NULL REFERENCES menus (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES menu_items (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL DEFAULT 0,
    label     TEXT NOT NULL DEFAULT '',
    kind      TEXT NOT NULL CHECK (kind IN ('category', 'page', 'article', 'link')),
    target_id INTEGER,
    url       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX menu_items_menu_idx ON menu_items (menu_id, position);
