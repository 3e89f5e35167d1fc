-- Checks the attempts written before V23 against V23's key. VALIDATE CONSTRAINT takes SHARE UPDATE
-- EXCLUSIVE on webhook_attempts and ROW SHARE on partners: the delivery worker and every other
-- writer go on while it scans.
--
-- It runs under the service's statement_timeout (15 s) like every migration. A table too large to
-- scan in that time fails this migration and the start-up with it, and nothing is changed. Then
-- run the same statement by hand (psql, no timeout; it blocks no writer) and start again: this
-- migration then finds the key valid and returns at once (docs/operations.md, "Migrations").
/* [jooq ignore start] */ -- jOOQ's parser does not know VALIDATE CONSTRAINT.
ALTER TABLE webhook_attempts VALIDATE CONSTRAINT webhook_attempts_partner_fkey;
/* [jooq ignore stop] */
