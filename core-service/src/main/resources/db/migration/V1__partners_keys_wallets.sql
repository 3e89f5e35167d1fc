-- Partners, their API keys and their wallets.
-- Column lengths repeat the API limits, as a second line of defence behind validation.
-- Ids are opaque text with a type prefix (ptn_, key_, wal_) and sort by creation time, so keyset
-- pagination can order by id alone. Every partner-owned row carries partner_id (and livemode where
-- sandbox and live objects must never meet), so the data can later be sharded by partner.

CREATE TABLE partners (
    id                  varchar(64)   PRIMARY KEY,
    name                varchar(200)  NOT NULL,
    company_name        varchar(200)  NOT NULL,
    -- Stored lower-cased, so this constraint is case-insensitive.
    email               varchar(320)  NOT NULL CONSTRAINT partners_email_key UNIQUE
                                      CONSTRAINT partners_email_lower_case CHECK (email = lower(email)),
    contact_person      varchar(200)  NOT NULL,
    business_type       varchar(200)  NOT NULL,
    webhook_url         varchar(2048) NOT NULL,
    status              varchar(64)   NOT NULL CONSTRAINT partners_status_check
                                      CHECK (status IN ('pending', 'approved', 'active', 'suspended', 'rejected')),
    metadata            jsonb         NOT NULL,
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL
);

-- The audit trail of partner status changes: who was moved from what to what, why and when.
CREATE TABLE partner_status_changes (
    id                  bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    from_status         varchar(64)   NOT NULL,
    to_status           varchar(64)   NOT NULL,
    reason              varchar(500)  NOT NULL,
    changed_at          timestamptz   NOT NULL
);
CREATE INDEX partner_status_changes_partner ON partner_status_changes (partner_id, id);

-- API keys are stored only as a SHA-256 hash (lower-case hex) plus a short display prefix.
CREATE TABLE api_keys (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    name                varchar(200)  NOT NULL,
    livemode            boolean       NOT NULL,
    key_hash            varchar(64)   NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE,
    prefix              varchar(64)   NOT NULL,
    permissions         varchar(32)[] NOT NULL,
    created_at          timestamptz   NOT NULL,
    revoked_at          timestamptz
);
CREATE INDEX api_keys_partner ON api_keys (partner_id, id);

CREATE TABLE wallets (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    external_user_id    varchar(128)  NOT NULL,
    external_wallet_id  varchar(128)  NOT NULL,
    name                varchar(200)  NOT NULL,
    currency            varchar(3)    NOT NULL,
    status              varchar(64)   NOT NULL CONSTRAINT wallets_status_check
                                      CHECK (status IN ('active', 'frozen', 'closed')),
    metadata            jsonb         NOT NULL,
    -- The sum of the wallet's ledger entries: written with them, under the wallet's row lock, in the
    -- same transaction (the application's invariant, checked by the test suite against the entries).
    balance_minor       bigint        NOT NULL CONSTRAINT wallets_balance_not_negative CHECK (balance_minor >= 0),
    -- The sequence number of the wallet's last ledger entry (0 before the first one).
    last_entry_sequence bigint        NOT NULL,
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT wallets_external_wallet_id_key UNIQUE (partner_id, livemode, external_wallet_id),
    -- The target of composite foreign keys: whatever references a wallet shares its partner, mode
    -- and currency.
    CONSTRAINT wallets_identity_key UNIQUE (id, partner_id, livemode, currency)
);
CREATE INDEX wallets_partner_list ON wallets (partner_id, livemode, id);
CREATE INDEX wallets_partner_user ON wallets (partner_id, livemode, external_user_id, id);
