-- Payouts: money from a partner's wallet to the bank account of one of its connected accounts.
-- The row is written in the transaction that holds the money out of the wallet (hold_transaction_id)
-- and claims the partner's idempotency key; every gateway step after that is a separate call whose
-- outcome is written back here under the row's lock. next_attempt_at says when the payout worker
-- takes the payout's next step (NULL: nothing to do until the gateway tells us something).
CREATE TABLE payouts (
    id                       varchar(64)   PRIMARY KEY,
    partner_id               varchar(64)   NOT NULL REFERENCES partners (id),
    livemode                 boolean       NOT NULL,
    wallet_id                varchar(64)   NOT NULL,
    connected_account_id     varchar(64)   NOT NULL,
    -- The connected account's user, kept as the destination was shown when the payout was made.
    external_user_id         varchar(255),
    -- 'stripe' or 'simulated', the connected account's gateway.
    provider                 varchar(64)   NOT NULL,
    provider_account_id      varchar(255)  NOT NULL,
    -- 'express' (PayFlow makes the bank payout) or 'standard' (the account pays out on its own).
    account_type             varchar(16)   NOT NULL CONSTRAINT payouts_account_type_check CHECK (account_type IN ('express', 'standard')),
    status                   varchar(16)   NOT NULL CONSTRAINT payouts_status_check
                                           CHECK (status IN ('pending', 'in_transit', 'paid', 'failed', 'cancelled')),
    amount_minor             bigint        NOT NULL CONSTRAINT payouts_amount_positive CHECK (amount_minor > 0),
    currency                 varchar(3)    NOT NULL,
    description              varchar(500)  NOT NULL,
    idempotency_key          varchar(255)  NOT NULL,
    metadata                 jsonb         NOT NULL,
    -- The movement wallet -> payouts_in_transit, booked with the row.
    hold_transaction_id      varchar(64)   NOT NULL,
    provider_transfer_id     varchar(255),
    -- Whether payouts_in_transit -> gateway_clearing was booked for the transfer (not for a
    -- transfer that answered after the payout was cancelled: that one is only reversed).
    transfer_booked          boolean       NOT NULL DEFAULT false,
    provider_transfer_reversal_id varchar(255),
    provider_payout_id       varchar(255),
    -- The gateway payout's own status ('pending', 'in_transit', 'paid', ...): cancellable while 'pending'.
    provider_payout_status   varchar(32),
    arrival_date             timestamptz,
    failure_code             varchar(255),
    failure_message          varchar(1000),
    -- The movement that gave the money back to the wallet (or to settlement, if the wallet could not take it).
    return_transaction_id    varchar(64),
    attempts                 integer       NOT NULL DEFAULT 0,
    next_attempt_at          timestamptz,
    created_at               timestamptz   NOT NULL,
    updated_at               timestamptz   NOT NULL,
    CONSTRAINT payouts_idempotency_key UNIQUE (partner_id, livemode, idempotency_key),
    CONSTRAINT payouts_hold_transaction_key UNIQUE (hold_transaction_id),
    -- A gateway's transfer and payout are one payout's: a webhook finds exactly one row for each.
    CONSTRAINT payouts_provider_transfer_key UNIQUE (provider, livemode, provider_transfer_id),
    CONSTRAINT payouts_provider_payout_key UNIQUE (provider, livemode, provider_payout_id),
    -- The wallet, the account and both movements are of the payout's own partner, mode and currency.
    CONSTRAINT payouts_wallet_fkey FOREIGN KEY (wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency),
    CONSTRAINT payouts_connected_account_fkey FOREIGN KEY (connected_account_id, partner_id, livemode)
        REFERENCES connected_accounts (id, partner_id, livemode),
    CONSTRAINT payouts_hold_transaction_fkey FOREIGN KEY (hold_transaction_id, partner_id, livemode, currency)
        REFERENCES transactions (id, partner_id, livemode, currency),
    CONSTRAINT payouts_return_transaction_fkey FOREIGN KEY (return_transaction_id, partner_id, livemode, currency)
        REFERENCES transactions (id, partner_id, livemode, currency),
    -- The money comes back only for a payout that did not reach the bank.
    CONSTRAINT payouts_returned_when_failed CHECK (return_transaction_id IS NULL OR status IN ('failed', 'cancelled'))
);
CREATE INDEX payouts_partner ON payouts (partner_id, livemode, id);
CREATE INDEX payouts_partner_wallet ON payouts (partner_id, livemode, wallet_id, id);
CREATE INDEX payouts_due ON payouts (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- Every status change of a payout, and every retried step worth showing (a transfer the gateway
-- refused for balance_insufficient keeps the payout pending, and says so here).
CREATE TABLE payout_status_changes (
    payout_id   varchar(64)   NOT NULL REFERENCES payouts (id),
    sequence    integer       NOT NULL,
    status      varchar(16)   NOT NULL,
    cause       varchar(16)   NOT NULL,
    cause_id    varchar(64)   NOT NULL,
    detail      varchar(1000) NOT NULL,
    changed_at  timestamptz   NOT NULL,
    PRIMARY KEY (payout_id, sequence)
);
