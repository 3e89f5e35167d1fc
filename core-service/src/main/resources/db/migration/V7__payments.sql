-- Payments: money coming in through a payment gateway (Stripe, or the simulated gateway in
-- sandbox), their refunds, every gateway object we touched, and the gateway events we received.
--
-- A payment is recorded (pending) and committed before the gateway is called, so a process that
-- dies during the call leaves a row that recovery finds. Its status changes are all recorded in
-- payment_status_changes with their cause. A captured payment names the one ledger transaction
-- that booked its money; the database refuses a second one.

-- New kinds of ledger transaction: a payment's proceeds to the partner's settlement account, a
-- refund, a dispute and its reversal, and a gateway's fee.
ALTER TABLE transactions DROP CONSTRAINT transactions_type_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_type_check
    CHECK (type IN ('credit', 'debit', 'transfer', 'payout', 'reversal', 'payment', 'refund', 'dispute', 'dispute_reversal', 'fee'));

CREATE TABLE payments (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    status              varchar(64)   NOT NULL CONSTRAINT payments_status_check
                                      CHECK (status IN ('pending', 'requires_action', 'requires_capture', 'processing', 'succeeded',
                                                        'failed', 'cancelled', 'refunded', 'partially_refunded')),
    amount_minor        bigint        NOT NULL CONSTRAINT payments_amount_positive CHECK (amount_minor > 0),
    amount_refunded_minor bigint      NOT NULL DEFAULT 0,
    currency            varchar(3)    NOT NULL,
    -- The gateway that serves the payment ('stripe', 'simulated') and its id for it (pi_...),
    -- known once the gateway has answered.
    provider            varchar(64)   NOT NULL,
    provider_payment_id varchar(255),
    payment_method      varchar(255)  NOT NULL,
    customer            varchar(255),
    -- The wallet the money funds; NULL: the partner's settlement account.
    wallet_id           varchar(64),
    capture             boolean       NOT NULL,
    return_url          varchar(2048),
    description         varchar(500)  NOT NULL,
    idempotency_key     varchar(255)  NOT NULL,
    metadata            jsonb         NOT NULL,
    -- The ledger transaction of the captured money, once booked.
    transaction_id      varchar(64),
    next_action_type    varchar(64),
    next_action_redirect_url varchar(2048),
    failure_code        varchar(255),
    failure_message     varchar(1000),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    -- When recovery last asked the gateway about it: a lease, so replicas do not ask twice at once.
    recovery_checked_at timestamptz,
    CONSTRAINT payments_refunded_within_amount CHECK (amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor),
    CONSTRAINT payments_idempotency_key_key UNIQUE (partner_id, livemode, idempotency_key),
    -- A gateway's payment is ours once: a webhook or recovery finds exactly one row for it.
    CONSTRAINT payments_provider_payment_key UNIQUE (provider, livemode, provider_payment_id),
    CONSTRAINT payments_transaction_key UNIQUE (transaction_id),
    CONSTRAINT payments_scope_key UNIQUE (id, partner_id, livemode),
    CONSTRAINT payments_wallet_fkey FOREIGN KEY (wallet_id, partner_id, livemode, currency)
        REFERENCES wallets (id, partner_id, livemode, currency),
    CONSTRAINT payments_transaction_fkey FOREIGN KEY (transaction_id, partner_id, livemode, currency)
        REFERENCES transactions (id, partner_id, livemode, currency),
    -- Money is booked exactly when it was captured.
    CONSTRAINT payments_booked_when_captured CHECK (
        (status IN ('succeeded', 'refunded', 'partially_refunded') AND transaction_id IS NOT NULL)
        OR (status NOT IN ('succeeded', 'refunded', 'partially_refunded') AND transaction_id IS NULL))
);
CREATE INDEX payments_partner ON payments (partner_id, livemode, id);
CREATE INDEX payments_wallet ON payments (wallet_id, id);
-- The recovery worker's scan: only payments whose outcome is not known yet, oldest first.
CREATE INDEX payments_unsettled ON payments (updated_at) WHERE status IN ('pending', 'processing');

-- Every status a payment has had, with its cause: 'api' (the partner's call), 'gateway' (the
-- gateway's answer to our call), 'webhook' (a gateway event, cause_id its gwe_ id), 'recovery'.
CREATE TABLE payment_status_changes (
    payment_id          varchar(64)   NOT NULL REFERENCES payments (id),
    sequence            integer       NOT NULL CONSTRAINT payment_status_changes_sequence_positive CHECK (sequence >= 1),
    status              varchar(64)   NOT NULL,
    cause               varchar(64)   NOT NULL CONSTRAINT payment_status_changes_cause_check
                                      CHECK (cause IN ('api', 'gateway', 'webhook', 'recovery')),
    cause_id            varchar(255)  NOT NULL,
    changed_at          timestamptz   NOT NULL,
    PRIMARY KEY (payment_id, sequence)
);

-- A refund of a payment, partial or full.
CREATE TABLE refunds (
    id                  varchar(64)   PRIMARY KEY,
    payment_id          varchar(64)   NOT NULL,
    partner_id          varchar(64)   NOT NULL,
    livemode            boolean       NOT NULL,
    status              varchar(64)   NOT NULL CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'failed')),
    amount_minor        bigint        NOT NULL CONSTRAINT refunds_amount_positive CHECK (amount_minor > 0),
    currency            varchar(3)    NOT NULL,
    reason              varchar(64)   NOT NULL CONSTRAINT refunds_reason_check
                                      CHECK (reason IN ('duplicate', 'fraudulent', 'requested_by_customer')),
    provider_refund_id  varchar(255),
    idempotency_key     varchar(255)  NOT NULL,
    transaction_id      varchar(64),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT refunds_idempotency_key_key UNIQUE (partner_id, livemode, idempotency_key),
    CONSTRAINT refunds_payment_fkey FOREIGN KEY (payment_id, partner_id, livemode) REFERENCES payments (id, partner_id, livemode),
    CONSTRAINT refunds_transaction_fkey FOREIGN KEY (transaction_id, partner_id, livemode, currency)
        REFERENCES transactions (id, partner_id, livemode, currency)
);
CREATE INDEX refunds_payment ON refunds (payment_id, id);

-- Every gateway object we touched (a PaymentIntent, a Charge, a Refund, a Dispute, a balance
-- transaction), as the gateway last sent it, for reconciliation: one row per object, updated as
-- newer versions arrive (from our calls' answers or from webhooks).
CREATE TABLE gateway_records (
    gateway             varchar(64)   NOT NULL,
    livemode            boolean       NOT NULL,
    gateway_transaction_id varchar(255) NOT NULL,
    object_type         varchar(64)   NOT NULL,
    partner_id          varchar(64)   REFERENCES partners (id),
    status              varchar(64)   NOT NULL,
    amount_minor        bigint,
    currency            varchar(3),
    -- The object exactly as the gateway sent it.
    metadata            jsonb         NOT NULL,
    -- The last webhook event that carried it, as received.
    webhook_data        jsonb,
    payment_id          varchar(64)   REFERENCES payments (id),
    transaction_id      varchar(64)   REFERENCES transactions (id),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    PRIMARY KEY (gateway, livemode, gateway_transaction_id)
);
CREATE INDEX gateway_records_payment ON gateway_records (payment_id);

-- Events received from a gateway (Stripe webhooks), each stored once under our own id (gwe_...)
-- and applied once, in the same database transaction as its effect.
CREATE TABLE gateway_events (
    id                  varchar(64)   PRIMARY KEY,
    gateway             varchar(64)   NOT NULL,
    provider_event_id   varchar(255)  NOT NULL,
    type                varchar(255)  NOT NULL,
    livemode            boolean       NOT NULL,
    -- The body exactly as received (its signature was verified over these bytes).
    payload             text          NOT NULL,
    received_at         timestamptz   NOT NULL,
    -- When its effect was committed; NULL while it waits (e.g. for the object it names to be recorded).
    processed_at        timestamptz,
    attempts            integer       NOT NULL DEFAULT 0,
    last_error          varchar(1000),
    CONSTRAINT gateway_events_provider_event_key UNIQUE (gateway, provider_event_id)
);
CREATE INDEX gateway_events_unprocessed ON gateway_events (received_at) WHERE processed_at IS NULL;
