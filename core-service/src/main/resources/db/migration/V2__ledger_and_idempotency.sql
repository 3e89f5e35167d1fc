-- The double-entry ledger and idempotency records.
--
-- Sign convention: a ledger entry's amount_minor is signed from its account's point of view
-- (positive adds to the account's balance, negative takes from it), and the entries of one
-- transaction sum to zero.
--
-- Hot accounts: system accounts (gateway clearing, settlement, payouts in transit, fees) are
-- touched by nearly every transaction of a partner. They carry no balance column and their rows
-- are never updated or locked FOR UPDATE: a transaction only inserts entries for them, and their
-- balance is the sum of those entries. (The foreign-key check of each entry takes a KEY SHARE
-- lock on the account's row, which never blocks another insert.) Only the partner wallets
-- involved are locked FOR UPDATE, in id order.
--
-- Partner, mode and currency are part of every foreign key between money rows, so the database
-- itself refuses an entry or transaction that would cross partners, modes or currencies.

CREATE TABLE system_accounts (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    currency            varchar(3)    NOT NULL,
    kind                varchar(64)   NOT NULL CONSTRAINT system_accounts_kind_check
                                      CHECK (kind IN ('gateway_clearing', 'settlement', 'payouts_in_transit', 'fees')),
    created_at          timestamptz   NOT NULL,
    CONSTRAINT system_accounts_kind_key UNIQUE (partner_id, livemode, currency, kind),
    CONSTRAINT system_accounts_identity_key UNIQUE (id, partner_id, livemode, currency)
);

CREATE TABLE transactions (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    type                varchar(64)   NOT NULL CONSTRAINT transactions_type_check
                                      CHECK (type IN ('credit', 'debit', 'transfer', 'payout', 'reversal')),
    status              varchar(64)   NOT NULL CONSTRAINT transactions_status_check
                                      CHECK (status IN ('pending', 'completed', 'failed', 'cancelled')),
    amount_minor        bigint        NOT NULL CONSTRAINT transactions_amount_positive CHECK (amount_minor > 0),
    currency            varchar(3)    NOT NULL,
    description         varchar(500)  NOT NULL,
    from_wallet_id      varchar(64),
    to_wallet_id        varchar(64),
    idempotency_key     varchar(255)  NOT NULL,
    gateway             varchar(64)   NOT NULL,
    gateway_transaction_id varchar(255),
    failure_reason      varchar(64),
    metadata            jsonb         NOT NULL,
    created_at          timestamptz   NOT NULL,
    completed_at        timestamptz,
    -- At most one transaction per idempotency key, whatever the application does.
    CONSTRAINT transactions_idempotency_key_key UNIQUE (partner_id, livemode, idempotency_key),
    CONSTRAINT transactions_identity_key UNIQUE (id, partner_id, livemode, currency),
    CONSTRAINT transactions_from_wallet_fkey FOREIGN KEY (from_wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency),
    CONSTRAINT transactions_to_wallet_fkey FOREIGN KEY (to_wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency)
);
CREATE INDEX transactions_from_wallet ON transactions (from_wallet_id, id);
CREATE INDEX transactions_to_wallet ON transactions (to_wallet_id, id);

CREATE TABLE ledger_entries (
    id                  varchar(64)   PRIMARY KEY,
    transaction_id      varchar(64)   NOT NULL,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    currency            varchar(3)    NOT NULL,
    -- Exactly one of wallet_id and system_account_id is set.
    wallet_id           varchar(64),
    system_account_id   varchar(64),
    amount_minor        bigint        NOT NULL CONSTRAINT ledger_entries_amount_not_zero CHECK (amount_minor <> 0),
    -- Wallet entries only: the wallet's balance after this entry, and the entry's place in the
    -- wallet's statement (numbered 1, 2, 3, ... by the application under the wallet's row lock).
    balance_after_minor bigint,
    wallet_sequence     bigint,
    created_at          timestamptz   NOT NULL,
    CONSTRAINT ledger_entries_one_account CHECK ((wallet_id IS NULL) <> (system_account_id IS NULL)),
    CONSTRAINT ledger_entries_wallet_fields CHECK (
        (wallet_id IS NULL AND balance_after_minor IS NULL AND wallet_sequence IS NULL)
        OR (wallet_id IS NOT NULL AND balance_after_minor >= 0 AND wallet_sequence >= 1)),
    -- Two writers can never append the same place in a wallet's statement (NULLs are distinct).
    CONSTRAINT ledger_entries_wallet_sequence_key UNIQUE (wallet_id, wallet_sequence),
    -- An entry shares its transaction's partner, mode and currency, and its account's.
    CONSTRAINT ledger_entries_transaction_fkey FOREIGN KEY (transaction_id, partner_id, livemode, currency)
        REFERENCES transactions (id, partner_id, livemode, currency),
    CONSTRAINT ledger_entries_wallet_fkey FOREIGN KEY (wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency),
    CONSTRAINT ledger_entries_system_account_fkey FOREIGN KEY (system_account_id, partner_id, livemode, currency)
        REFERENCES system_accounts (id, partner_id, livemode, currency)
);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_system_account ON ledger_entries (system_account_id);

-- One row per idempotency key, scoped to partner and mode, kept for ever. Written in the same
-- database transaction as the effect it guards: a racing duplicate waits on this row's unique key
-- until the original commits (and then replays it) or rolls back (and then runs itself).
CREATE TABLE idempotency_keys (
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    idempotency_key     varchar(255)  NOT NULL,
    -- The API method and a SHA-256 of its canonical parameters without the key.
    operation           varchar(64)   NOT NULL,
    fingerprint         varchar(64)   NOT NULL,
    -- The outcome: either the transaction it created, or the business-rule error it met.
    transaction_id      varchar(64)   REFERENCES transactions (id),
    error_reason        varchar(64),
    error_message       varchar(1000),
    created_at          timestamptz   NOT NULL,
    PRIMARY KEY (partner_id, livemode, idempotency_key),
    CONSTRAINT idempotency_keys_one_outcome CHECK (transaction_id IS NULL OR error_reason IS NULL)
);

-- The database itself keeps the books append-only and balanced, whatever the application does:
-- entries are never changed or removed, a booked transaction's amount, currency, accounts and key
-- never change (its status, completion and gateway fields may, as it settles), and each
-- transaction's entries sum to zero (one currency per transaction, by the foreign keys above).
/* [jooq ignore start] */
CREATE FUNCTION ledger_entries_are_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_entries_no_update_or_delete
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_are_append_only();

CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_are_append_only();

-- Checked at commit, once every entry of the transaction has been written.
CREATE FUNCTION ledger_transaction_is_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT sum(amount_minor) INTO total FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger entries of transaction % sum to %, not zero', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION transactions_keep_their_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'transactions are never deleted: correct them with a reversal'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.partner_id, NEW.livemode, NEW.type, NEW.amount_minor, NEW.currency, NEW.from_wallet_id,
        NEW.to_wallet_id, NEW.idempotency_key, NEW.created_at)
        IS DISTINCT FROM
       (OLD.id, OLD.partner_id, OLD.livemode, OLD.type, OLD.amount_minor, OLD.currency, OLD.from_wallet_id,
        OLD.to_wallet_id, OLD.idempotency_key, OLD.created_at) THEN
        RAISE EXCEPTION 'transaction %: amount, currency, accounts, type and key never change once booked', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER transactions_no_change_of_terms
    BEFORE UPDATE OR DELETE ON transactions
    FOR EACH ROW EXECUTE FUNCTION transactions_keep_their_terms();

CREATE TRIGGER transactions_no_truncate
    BEFORE TRUNCATE ON transactions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_are_append_only();

CREATE CONSTRAINT TRIGGER ledger_entries_balanced
    AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_is_balanced();
/* [jooq ignore stop] */
