-- A webhook attempt's partner_id had no key at all (only its event_id referenced partner_events),
-- unlike every other partner-owned table: an attempt could name a partner that does not exist.
-- Found by PartnerForeignKeysTest, which reads the catalogue and holds every partner_id in the
-- schema to an existing partner. The attempt is written with its event's partner (the delivery
-- worker and a replay take the scope from the event), so existing rows pass.
--
-- Added NOT VALID, then validated: adding it checks no existing row and takes its lock only
-- briefly; the validation then scans the attempts while writes to them carry on (it takes SHARE
-- UPDATE EXCLUSIVE on webhook_attempts, not the lock that would stop the delivery worker).
/* [jooq ignore start] */ -- jOOQ's parser knows neither NOT VALID nor VALIDATE CONSTRAINT; its generated code needs no key.
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_partner_fkey FOREIGN KEY (partner_id) REFERENCES partners (id) NOT VALID;
ALTER TABLE webhook_attempts VALIDATE CONSTRAINT webhook_attempts_partner_fkey;
/* [jooq ignore stop] */
