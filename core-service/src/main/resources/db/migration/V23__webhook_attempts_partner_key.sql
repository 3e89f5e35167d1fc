-- A webhook attempt's partner_id had no key at all (only its event_id referenced partner_events),
-- unlike every other partner-owned table: an attempt could name a partner that does not exist.
-- Found by PartnerForeignKeysTest, which reads the catalogue and holds every partner_id in the
-- schema to an existing partner. The attempt is written with its event's partner (the delivery
-- worker and a replay take the scope from the event), so existing rows pass.
--
-- Added NOT VALID here, validated by V24 in a transaction of its own: adding the key checks no
-- existing row, so the SHARE ROW EXCLUSIVE lock it takes on webhook_attempts and partners lasts
-- only as long as this migration, not as long as a scan of every attempt. Every row written from
-- now on is checked.
/* [jooq ignore start] */ -- jOOQ's parser does not know NOT VALID; its generated code needs no key.
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_partner_fkey FOREIGN KEY (partner_id) REFERENCES partners (id) NOT VALID;
/* [jooq ignore stop] */
