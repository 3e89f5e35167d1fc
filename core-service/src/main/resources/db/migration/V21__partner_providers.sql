-- Provider selection per partner (issue 14), set through UpdatePartner like the other settings.

-- The providers the partner's payments may go through, comma-separated in a fixed order
-- ('stripe', 'paypal', 'stripe,paypal'); a provider must also be configured in the payment's mode.
-- The default keeps what every partner could do before: both.
ALTER TABLE partners ADD COLUMN enabled_providers varchar(64) NOT NULL DEFAULT 'stripe,paypal'
    CONSTRAINT partners_enabled_providers_check CHECK (enabled_providers IN ('stripe', 'paypal', 'stripe,paypal'));
-- Where a payment that names no provider goes. 'stripe' is the mode's default provider as before
-- (Stripe, or the simulated one in sandbox without a Stripe key).
ALTER TABLE partners ADD COLUMN default_provider varchar(16) NOT NULL DEFAULT 'stripe'
    CONSTRAINT partners_default_provider_check CHECK (default_provider IN ('stripe', 'paypal'));
-- Where such a payment goes while its provider's circuit breaker is open; NULL: nowhere
-- (UNAVAILABLE GATEWAY_UNAVAILABLE, as before).
ALTER TABLE partners ADD COLUMN fallback_provider varchar(16)
    CONSTRAINT partners_fallback_provider_check CHECK (fallback_provider IN ('stripe', 'paypal') AND fallback_provider <> default_provider);

-- A payment moved to the fallback says so in its history: a line with cause 'fallback' whose
-- cause_id names the provider it was moved from.
ALTER TABLE payment_status_changes DROP CONSTRAINT payment_status_changes_cause_check;
ALTER TABLE payment_status_changes ADD CONSTRAINT payment_status_changes_cause_check
    CHECK (cause IN ('api', 'gateway', 'webhook', 'recovery', 'fallback'));

-- The stuck-payments gauge counts payments waiting for their payer past the provider's window.
CREATE INDEX payments_requires_action ON payments (provider, updated_at) WHERE status = 'requires_action';
