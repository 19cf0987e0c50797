-- The audit log: who signed in or failed to, changed a role, disabled, enabled or reset an
-- account, or deleted something for good. Rows name the actor by id and login as they were at
-- the time and have no foreign keys, so the record outlives the accounts and content it names.
-- Keep in step with migrations/sqlite/0010_audit_log.sql.

CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor_id  BIGINT,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    ip        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_action ON audit_log (action, id);
