-- A key's own request rate limit (a token bucket on top of its partner's), set when the key is
-- issued (CreateApiKey): tokens added per second and the bucket's size. NULL: the key has none of
-- its own and only the partner's limit applies. Both or neither (a burst alone means nothing).
ALTER TABLE api_keys ADD COLUMN rate_limit_per_second integer
    CONSTRAINT api_keys_rate_limit_positive CHECK (rate_limit_per_second > 0);
ALTER TABLE api_keys ADD COLUMN rate_limit_burst integer
    CONSTRAINT api_keys_rate_limit_burst_positive CHECK (rate_limit_burst > 0);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_rate_limit_pair
    CHECK ((rate_limit_per_second IS NULL) = (rate_limit_burst IS NULL));
