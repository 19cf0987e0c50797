-- Profiles: an optional public email, separate from the sign-in email and shown on the
-- author page only when set, and an avatar chosen from the media library.
-- Keep in step with migrations/postgres/0014_profiles.sql.

ALTER TABLE users ADD COLUMN public_email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN avatar_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
