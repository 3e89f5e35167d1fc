-- Two-phase movements (holds), and system accounts that carry the provider they mirror.
--
-- A hold reserves part of a wallet's balance: the wallet's available balance (balance_minor -
-- held_minor) drops, its balance does not, and no ledger entry is written. A hold is resolved at
-- most once: captured (a completed debit or transfer, possibly for less than was held, written
-- with the hold's resolution in one database transaction), voided, or expired (both release the
-- reservation and book nothing). The database refuses a second resolution and any change to a
-- resolved hold, whatever the application does.

-- What a wallet has reserved for its pending holds, written with them under the wallet's row lock.
-- It can never exceed the balance, so the available balance is never negative.
ALTER TABLE wallets ADD COLUMN held_minor bigint NOT NULL DEFAULT 0;
ALTER TABLE wallets ADD CONSTRAINT wallets_held_within_balance CHECK (held_minor >= 0 AND held_minor <= balance_minor);

CREATE TABLE holds (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    wallet_id           varchar(64)   NOT NULL,
    currency            varchar(3)    NOT NULL,
    amount_minor        bigint        NOT NULL CONSTRAINT holds_amount_positive CHECK (amount_minor > 0),
    status              varchar(64)   NOT NULL CONSTRAINT holds_status_check
                                      CHECK (status IN ('pending', 'captured', 'voided', 'expired')),
    description         varchar(500)  NOT NULL,
    idempotency_key     varchar(255)  NOT NULL,
    metadata            jsonb         NOT NULL,
    expires_at          timestamptz   NOT NULL,
    created_at          timestamptz   NOT NULL,
    -- Set once, when the hold leaves pending.
    resolved_at         timestamptz,
    -- Captures only: what was taken (at most amount_minor), where it went, and the transaction.
    captured_minor      bigint,
    to_wallet_id        varchar(64),
    transaction_id      varchar(64),
    CONSTRAINT holds_idempotency_key_key UNIQUE (partner_id, livemode, idempotency_key),
    CONSTRAINT holds_wallet_fkey FOREIGN KEY (wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency),
    CONSTRAINT holds_to_wallet_fkey FOREIGN KEY (to_wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency),
    CONSTRAINT holds_transaction_fkey FOREIGN KEY (transaction_id, partner_id, livemode, currency)
        REFERENCES transactions (id, partner_id, livemode, currency),
    -- One capture transaction per hold, and one hold per capture transaction.
    CONSTRAINT holds_transaction_key UNIQUE (transaction_id),
    CONSTRAINT holds_resolution_fields CHECK (
        (status = 'pending' AND resolved_at IS NULL AND captured_minor IS NULL AND transaction_id IS NULL AND to_wallet_id IS NULL)
        OR (status IN ('voided', 'expired') AND resolved_at IS NOT NULL AND captured_minor IS NULL AND transaction_id IS NULL
            AND to_wallet_id IS NULL)
        OR (status = 'captured' AND resolved_at IS NOT NULL AND captured_minor > 0 AND captured_minor <= amount_minor
            AND transaction_id IS NOT NULL))
);
CREATE INDEX holds_wallet ON holds (wallet_id, id);
-- The expiry worker's scan: only pending holds, soonest first.
CREATE INDEX holds_pending_expiry ON holds (expires_at) WHERE status = 'pending';

-- A capture's transaction names its hold.
ALTER TABLE transactions ADD COLUMN hold_id varchar(64) REFERENCES holds (id);

-- An idempotency key's outcome may now be a hold (placing, capturing or releasing one).
ALTER TABLE idempotency_keys ADD COLUMN hold_id varchar(64) REFERENCES holds (id);
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_one_outcome;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_one_outcome
    CHECK (error_reason IS NULL OR (transaction_id IS NULL AND hold_id IS NULL));

-- System accounts: created on first use (no longer with each wallet), one per partner, mode,
-- currency, kind and provider (one gateway-clearing account per gateway, so each can be
-- reconciled on its own; '' where no provider is mirrored). 'fees' becomes 'platform_fees' beside
-- 'gateway_fees'; nothing has ever been booked to it.
ALTER TABLE system_accounts ADD COLUMN provider varchar(64) NOT NULL DEFAULT '';
ALTER TABLE system_accounts DROP CONSTRAINT system_accounts_kind_check;
/* [jooq ignore start] */
UPDATE system_accounts SET provider = 'simulated' WHERE kind = 'gateway_clearing';
UPDATE system_accounts SET kind = 'platform_fees' WHERE kind = 'fees';
/* [jooq ignore stop] */
ALTER TABLE system_accounts ADD CONSTRAINT system_accounts_kind_check CHECK (kind IN ('gateway_clearing', 'gateway_fees',
    'settlement', 'payouts_in_transit', 'platform_fees', 'adjustments'));
ALTER TABLE system_accounts DROP CONSTRAINT system_accounts_kind_key;
ALTER TABLE system_accounts ADD CONSTRAINT system_accounts_kind_key UNIQUE (partner_id, livemode, currency, kind, provider);

/* [jooq ignore start] */
-- A hold leaves pending once, and a resolved hold never changes again. Its terms never change.
CREATE FUNCTION holds_resolve_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'holds are never deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'hold % is already %: it is resolved at most once', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.partner_id, NEW.livemode, NEW.wallet_id, NEW.currency, NEW.amount_minor, NEW.idempotency_key,
        NEW.expires_at, NEW.created_at)
        IS DISTINCT FROM
       (OLD.id, OLD.partner_id, OLD.livemode, OLD.wallet_id, OLD.currency, OLD.amount_minor, OLD.idempotency_key,
        OLD.expires_at, OLD.created_at) THEN
        RAISE EXCEPTION 'hold %: wallet, amount, key and expiry never change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER holds_resolved_at_most_once
    BEFORE UPDATE OR DELETE ON holds
    FOR EACH ROW EXECUTE FUNCTION holds_resolve_once();

CREATE TRIGGER holds_no_truncate
    BEFORE TRUNCATE ON holds
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_are_append_only();

/* [jooq ignore stop] */
