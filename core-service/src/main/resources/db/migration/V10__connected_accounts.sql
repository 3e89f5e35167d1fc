-- Connected accounts: a partner's accounts at a payment gateway (Stripe Connect), its own and its
-- users' (payout recipients). An account is recorded before the gateway is called (no
-- provider_account_id yet), so a create whose answer was lost is finished with the same
-- idempotency key instead of being made twice. capabilities maps a capability's name to its
-- status at the gateway; requirements holds currentDeadline, currentlyDue, eventuallyDue, pastDue
-- and disabledReason.
CREATE TABLE connected_accounts (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    -- 'stripe' or 'simulated' (sandbox without a Stripe key).
    provider            varchar(64)   NOT NULL,
    -- The gateway's id (acct_...), once it answered the create.
    provider_account_id varchar(255),
    type                varchar(16)   NOT NULL CONSTRAINT connected_accounts_type_check CHECK (type IN ('express', 'standard')),
    -- The partner's id of the user this account pays out to; NULL: the partner's own account.
    external_user_id    varchar(255),
    email               varchar(254)  NOT NULL,
    country             varchar(2)    NOT NULL,
    business_type       varchar(32),
    -- Derived from the gateway's facts below (and disconnected_at) each time they are written;
    -- kept as a column so that lists filter on it.
    status              varchar(16)   NOT NULL CONSTRAINT connected_accounts_status_check
                                      CHECK (status IN ('pending', 'restricted', 'active', 'disabled')),
    charges_enabled     boolean       NOT NULL,
    payouts_enabled     boolean       NOT NULL,
    capabilities        jsonb         NOT NULL,
    requirements        jsonb         NOT NULL,
    metadata            jsonb         NOT NULL,
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    disconnected_at     timestamptz,
    CONSTRAINT connected_accounts_provider_account_key UNIQUE (provider, livemode, provider_account_id),
    CONSTRAINT connected_accounts_scope_key UNIQUE (id, partner_id, livemode),
    CONSTRAINT connected_accounts_disconnected_is_disabled CHECK (disconnected_at IS NULL OR status = 'disabled')
);
CREATE INDEX connected_accounts_partner ON connected_accounts (partner_id, livemode, id);
CREATE INDEX connected_accounts_partner_user ON connected_accounts (partner_id, livemode, external_user_id, id);

/* [jooq ignore start] */
-- At most one connected account per user and mode, and one of the partner's own per mode, among
-- those still connected (a disconnected account's user may connect a new one).
CREATE UNIQUE INDEX connected_accounts_one_per_holder ON connected_accounts (partner_id, livemode, COALESCE(external_user_id, ''))
    WHERE disconnected_at IS NULL;
/* [jooq ignore stop] */

-- A payment routed to a connected account (a destination charge): the account, and the
-- platform's fee kept from it in minor units of the payment's currency. Both NULL: not routed.
ALTER TABLE payments ADD COLUMN connected_account_id varchar(64);
ALTER TABLE payments ADD COLUMN platform_fee_minor bigint;
ALTER TABLE payments ADD CONSTRAINT payments_routed_fee CHECK (
    (connected_account_id IS NULL AND platform_fee_minor IS NULL)
    OR (connected_account_id IS NOT NULL AND platform_fee_minor >= 0 AND platform_fee_minor <= amount_minor));
ALTER TABLE payments ADD CONSTRAINT payments_connected_account_fkey FOREIGN KEY (connected_account_id, partner_id, livemode)
    REFERENCES connected_accounts (id, partner_id, livemode);
-- Routed payments fund no wallet.
ALTER TABLE payments ADD CONSTRAINT payments_routed_without_wallet CHECK (connected_account_id IS NULL OR wallet_id IS NULL);
