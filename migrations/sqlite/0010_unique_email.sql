-- One email address per account. Addresses are kept trimmed and in lower case, and compared
-- that way. Accounts that already shared an address keep it on the oldest; each later one gets
-- a marked copy (`ann+duplicate-7@news.example`), which is still unique and shows in the
-- people list so an administrator can give it the right address. Accounts without an address
-- ('') are left alone.
UPDATE users SET email = LOWER(TRIM(email)) WHERE email <> LOWER(TRIM(email));

UPDATE users SET email = CASE
        WHEN instr(email, '@') > 0
        THEN substr(email, 1, instr(email, '@') - 1) || '+duplicate-' || id || substr(email, instr(email, '@'))
        ELSE email || '+duplicate-' || id
    END
WHERE email <> ''
  AND EXISTS (SELECT 1 FROM users older WHERE older.email = users.email AND older.id < users.id);

CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email <> '';
