-- A gateway's fee on each captured payment, and the disputes (chargebacks) of payments.
--
-- The fee is known only once the gateway has made its balance transaction for the charge: it is
-- fetched outside any database transaction and then booked once (a 'fee' transaction from the
-- gateway's fees account to its clearing account), so that gateway clearing mirrors what the
-- gateway will pay out, net of fees.

-- The gateway's fee in minor units, once known (0: the gateway charged none); NULL: not known yet.
ALTER TABLE payments ADD COLUMN fee_minor bigint CONSTRAINT payments_fee_not_negative CHECK (fee_minor >= 0);
-- The ledger transaction that booked the fee; NULL when there was none to book.
ALTER TABLE payments ADD COLUMN fee_transaction_id varchar(64) REFERENCES transactions (id);
-- When the fee sweep last asked the gateway about it: a lease, as recovery_checked_at.
ALTER TABLE payments ADD COLUMN fee_checked_at timestamptz;
-- The fee sweep's scan: captured payments whose fee is not known yet.
CREATE INDEX payments_fee_unknown ON payments (updated_at)
    WHERE fee_minor IS NULL AND status IN ('succeeded', 'refunded', 'partially_refunded');

-- A dispute of a payment, as the gateway reports it (one row per gateway dispute). Its status
-- follows the gateway's events; money moves only when the gateway moves it: the disputed amount
-- when the funds are withdrawn (and the gateway's dispute fee), and back when they are reinstated.
CREATE TABLE payment_disputes (
    provider            varchar(64)   NOT NULL,
    livemode            boolean       NOT NULL,
    -- The gateway's id (dp_...).
    provider_dispute_id varchar(255)  NOT NULL,
    payment_id          varchar(64)   NOT NULL,
    partner_id          varchar(64)   NOT NULL,
    -- The gateway's status (warning_needs_response, needs_response, under_review, won, lost, ...).
    status              varchar(64)   NOT NULL,
    reason              varchar(64)   NOT NULL,
    amount_minor        bigint        NOT NULL CONSTRAINT payment_disputes_amount_positive CHECK (amount_minor > 0),
    currency            varchar(3)    NOT NULL,
    -- Once the funds were withdrawn: what was taken from the wallet (down to zero) and from the
    -- partner's settlement account (the shortfall), and the gateway's dispute fee.
    withdrawn_from_wallet_minor     bigint,
    withdrawn_from_settlement_minor bigint,
    fee_minor           bigint,
    -- Whether the withdrawn amount was booked back (funds reinstated), to where it came from.
    reinstated          boolean       NOT NULL DEFAULT false,
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    PRIMARY KEY (provider, livemode, provider_dispute_id),
    CONSTRAINT payment_disputes_payment_fkey FOREIGN KEY (payment_id, partner_id, livemode) REFERENCES payments (id, partner_id, livemode)
);
CREATE INDEX payment_disputes_payment ON payment_disputes (payment_id);
