-- One number every content write bumps in its own transaction, so each node running on this
-- database (and the command line) can tell, with one cheap read, that its caches are stale.
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);
