-- A scratch table for /readyz: a row of a few kilobytes is written and removed in one committed
-- transaction to show that this node can write. Always empty between probes.
-- Keep in step with migrations/sqlite/0015_write_probe.sql.

CREATE TABLE write_probe (id BIGSERIAL PRIMARY KEY, pad BYTEA NOT NULL);
