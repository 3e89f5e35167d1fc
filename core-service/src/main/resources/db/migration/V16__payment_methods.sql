-- Payment methods: a partner's users' provider tokens (Stripe's pm_...), never card numbers,
-- with what the provider shows of them. A token is kept once per partner and mode, so a retried
-- attach finds the row the first one wrote. A detached method stays (payments named it) with
-- status 'detached'.
CREATE TABLE payment_methods (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    type                varchar(32)   NOT NULL CONSTRAINT payment_methods_type_check
                                      CHECK (type IN ('card', 'bank_account', 'paypal')),
    provider            varchar(64)   NOT NULL,
    provider_token      varchar(255)  NOT NULL,
    -- The card as the provider shows it (all four, or none).
    card_brand          varchar(64),
    card_last4          varchar(4),
    card_exp_month      integer       CONSTRAINT payment_methods_exp_month_range CHECK (card_exp_month BETWEEN 1 AND 12),
    card_exp_year       integer,
    verification        varchar(32)   NOT NULL CONSTRAINT payment_methods_verification_check
                                      CHECK (verification IN ('verified', 'unverified')),
    customer            varchar(255),
    external_user_id    varchar(128),
    status              varchar(32)   NOT NULL CONSTRAINT payment_methods_status_check CHECK (status IN ('active', 'detached')),
    billing_name        varchar(200)  NOT NULL,
    billing_email       varchar(320)  NOT NULL,
    billing_phone       varchar(40)   NOT NULL,
    billing_postal_code varchar(20)   NOT NULL,
    billing_country     varchar(2)    NOT NULL,
    metadata            jsonb         NOT NULL,
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT payment_methods_card_whole CHECK (
        (card_brand IS NULL AND card_last4 IS NULL AND card_exp_month IS NULL AND card_exp_year IS NULL)
        OR (card_brand IS NOT NULL AND card_last4 IS NOT NULL AND card_exp_month IS NOT NULL AND card_exp_year IS NOT NULL)),
    CONSTRAINT payment_methods_token_key UNIQUE (partner_id, livemode, provider, provider_token)
);

/* [jooq ignore start] */ -- A regular expression, which jOOQ's parser does not read.
-- Never more of a card number than its last four digits.
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_last4_digits CHECK (card_last4 ~ '^[0-9]{4}$');
/* [jooq ignore stop] */

-- Lists: a partner's methods newest first (ids are time-ordered), optionally of one user.
CREATE INDEX payment_methods_by_partner ON payment_methods (partner_id, livemode, id);
CREATE INDEX payment_methods_by_user ON payment_methods (partner_id, livemode, external_user_id, id);
