-- Full-text search over published stories. Keep in step with migrations/postgres/0004_search.sql:
-- the same search_documents table; the index over it is SQLite's FTS5 here and a tsvector with a
-- GIN index there.
--
-- search_documents holds one row per published story, written in the same transaction as the
-- story: its headline and its other searchable text (standfirst, body, bylines, credit line,
-- agency) as terms already analyzed by the application (folded, lowercased, stemmed, separated by
-- single spaces). sort_key orders stories by publication time (seconds since 1970 times 2^21 plus
-- a slot), so the newest matches of a query are one backward walk of the index.
-- Existing stories are indexed by the application when it next starts (or `newsdesk reindex`).

CREATE TABLE search_documents (
    sort_key     INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL CONSTRAINT search_documents_article_id_key UNIQUE
                 REFERENCES articles (id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    title_terms  TEXT NOT NULL,
    body_terms   TEXT NOT NULL
);

-- The terms are already analyzed: the ascii tokenizer only splits them at the spaces (it treats
-- every non-ASCII character as part of a word). Positions are kept for phrase queries; column
-- sizes are not, as ranking happens in the application.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title_terms, body_terms,
    content = 'search_documents', content_rowid = 'sort_key',
    tokenize = 'ascii', columnsize = 0
);

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title_terms, body_terms)
    VALUES (new.sort_key, new.title_terms, new.body_terms);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
    VALUES ('delete', old.sort_key, old.title_terms, old.body_terms);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
    VALUES ('delete', old.sort_key, old.title_terms, old.body_terms);
    INSERT INTO search_fts (rowid, title_terms, body_terms)
    VALUES (new.sort_key, new.title_terms, new.body_terms);
END;
