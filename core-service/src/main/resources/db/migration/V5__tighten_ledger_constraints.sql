-- The schema enforces what its comments say (found by review; each rule has a test that asserts
-- its SQLSTATE or constraint name).

-- 1. A wallet entry carries its running balance and its place in the statement. A CHECK passes
--    when it evaluates to NULL, so "balance_after_minor >= 0" alone let a NULL through.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_wallet_fields;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_wallet_fields CHECK (
    (wallet_id IS NULL AND balance_after_minor IS NULL AND wallet_sequence IS NULL)
    OR (wallet_id IS NOT NULL AND balance_after_minor IS NOT NULL AND wallet_sequence IS NOT NULL
        AND balance_after_minor >= 0 AND wallet_sequence >= 1));

-- 2. An idempotency key's outcome, and a capture's hold, belong to the key's (the transaction's)
--    own partner and mode: the foreign keys say so, not only the application.
ALTER TABLE transactions ADD CONSTRAINT transactions_scope_key UNIQUE (id, partner_id, livemode);
ALTER TABLE holds ADD CONSTRAINT holds_scope_key UNIQUE (id, partner_id, livemode);
ALTER TABLE holds ADD CONSTRAINT holds_identity_key UNIQUE (id, partner_id, livemode, currency);
/* [jooq ignore start] */ -- PostgreSQL's own name for the inline foreign key, unknown to jOOQ's parser.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_transaction_id_fkey;
/* [jooq ignore stop] */
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_transaction_fkey FOREIGN KEY (transaction_id, partner_id, livemode)
    REFERENCES transactions (id, partner_id, livemode);
/* [jooq ignore start] */ -- PostgreSQL's own name for the inline foreign key, unknown to jOOQ's parser.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_hold_id_fkey;
/* [jooq ignore stop] */
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_hold_fkey FOREIGN KEY (hold_id, partner_id, livemode)
    REFERENCES holds (id, partner_id, livemode);
/* [jooq ignore start] */ -- PostgreSQL's own name for the inline foreign key, unknown to jOOQ's parser.
ALTER TABLE transactions DROP CONSTRAINT transactions_hold_id_fkey;
/* [jooq ignore stop] */
ALTER TABLE transactions ADD CONSTRAINT transactions_hold_fkey FOREIGN KEY (hold_id, partner_id, livemode, currency)
    REFERENCES holds (id, partner_id, livemode, currency);

/* [jooq ignore start] */
-- 3. A booked transaction's terms never change (now including the hold a capture took its funds
--    from), and neither does a final status: only a pending transaction may become completed,
--    failed or cancelled (a correction is a new transaction).
CREATE OR REPLACE FUNCTION transactions_keep_their_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'transactions are never deleted: correct them with a reversal'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.partner_id, NEW.livemode, NEW.type, NEW.amount_minor, NEW.currency, NEW.from_wallet_id,
        NEW.to_wallet_id, NEW.idempotency_key, NEW.created_at, NEW.hold_id)
        IS DISTINCT FROM
       (OLD.id, OLD.partner_id, OLD.livemode, OLD.type, OLD.amount_minor, OLD.currency, OLD.from_wallet_id,
        OLD.to_wallet_id, OLD.idempotency_key, OLD.created_at, OLD.hold_id) THEN
        RAISE EXCEPTION 'transaction %: amount, currency, accounts, type, hold and key never change once booked', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'pending' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'transaction % is %, which is final: correct it with a new transaction', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

-- 4. A completed transaction has at least two entries (the per-entry trigger checks that those
--    it has sum to zero, but a transaction without any never fired it). Checked at commit, once
--    the entries written with it are in.
CREATE FUNCTION ledger_completed_transaction_has_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entries bigint;
BEGIN
    IF NEW.status = 'completed' THEN
        SELECT count(*) INTO entries FROM ledger_entries WHERE transaction_id = NEW.id;
        IF entries < 2 THEN
            RAISE EXCEPTION 'transaction % is completed with % ledger entries; a movement has at least two', NEW.id, entries
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER transactions_completed_have_entries
    AFTER INSERT OR UPDATE OF status ON transactions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_completed_transaction_has_entries();
/* [jooq ignore stop] */
