-- Settings an operator keeps per partner, changed through UpdatePartner (PATCH /api/admin/partners/{id}).

-- The platform's fee on a payment routed to a connected account, in basis points of the amount
-- (1000 = 10 %), 0..10000.
ALTER TABLE partners ADD COLUMN platform_fee_basis_points integer NOT NULL DEFAULT 1000
    CONSTRAINT partners_platform_fee_range CHECK (platform_fee_basis_points BETWEEN 0 AND 10000);
-- The partner's request rate limit per mode (a token bucket): tokens added per second and the
-- bucket's size. NULL: the service's configured default applies.
ALTER TABLE partners ADD COLUMN rate_limit_per_second integer
    CONSTRAINT partners_rate_limit_positive CHECK (rate_limit_per_second > 0);
ALTER TABLE partners ADD COLUMN rate_limit_burst integer
    CONSTRAINT partners_rate_limit_burst_positive CHECK (rate_limit_burst > 0);
