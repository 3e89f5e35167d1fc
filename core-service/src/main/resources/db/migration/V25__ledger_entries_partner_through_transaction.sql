-- An entry's partner is its transaction's, and the database already says so: every entry has
-- ledger_entries_transaction_fkey, (transaction_id, partner_id, livemode, currency) referencing
-- transactions, none of those columns nullable, so PostgreSQL checks it on every entry; and every
-- transaction's partner_id references partners (transactions_partner_id_fkey, not nullable), a
-- transaction is never deleted nor its partner changed (transactions_no_change_of_terms), and a
-- partner with transactions can be neither deleted nor renumbered (that key, NO ACTION). So an
-- entry's partner exists, always, by those two keys together.
--
-- The entry's own key to partners checked the same thing a second time, on every entry: two
-- checks per transfer, each a FOR KEY SHARE of the partner's one row, which every concurrent
-- transaction of that partner locks too. Measured on a transfer's write statement it was the
-- costliest of its foreign-key checks (BENCHMARKS.md, run 18). It goes; the rule stays, held by
-- the composite key (LedgerSafeguardsTest: a partner the transaction does not belong to, and one
-- that does not exist, are refused by ledger_entries_transaction_fkey; PartnerForeignKeysTest:
-- every partner_id in the schema names an existing partner, directly or through such a chain).

-- Dropping it takes ACCESS EXCLUSIVE on ledger_entries and partners for an instant, but every
-- statement on either table, reads too, queues behind the request while it waits: so it waits one second at most (then this migration,
-- and the start, fail with nothing changed; docs/operations.md, "Migrations").
/* [jooq ignore start] */ -- SET LOCAL, and PostgreSQL's own name for the inline key: both unknown to jOOQ's parser.
SET LOCAL lock_timeout = '1s';
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_partner_id_fkey;
/* [jooq ignore stop] */
