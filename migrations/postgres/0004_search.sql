-- Full-text search over published stories. Keep in step with migrations/sqlite/0004_search.sql:
-- the same search_documents table; the index over it is a tsvector with a GIN index here and
-- SQLite's FTS5 there.
--
-- search_documents holds one row per published story, written in the same transaction as the
-- story: its headline and its other searchable text (standfirst, body, bylines, credit line,
-- agency) as terms already analyzed by the application (folded, lowercased, stemmed, separated by
-- single spaces). sort_key orders stories by publication time (seconds since 1970 times 2^21 plus
-- a slot), so the newest matches of a query are one backward walk of the index.
-- Existing stories are indexed by the application when it next starts (or `newsdesk reindex`).

CREATE TABLE search_documents (
    sort_key     BIGINT PRIMARY KEY,
    article_id   BIGINT NOT NULL CONSTRAINT search_documents_article_id_key UNIQUE
                 REFERENCES articles (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL,
    title_terms  TEXT NOT NULL,
    body_terms   TEXT NOT NULL,
    -- The same terms with their positions (headline first), written by the application as a
    -- tsvector literal, so PostgreSQL's own parser and dictionaries never re-analyze them.
    document     TSVECTOR NOT NULL
);
CREATE INDEX search_documents_document_idx ON search_documents USING GIN (document);
