-- Key rotation with a grace period: a rolled key keeps working until expires_at, then stops,
-- as a revoked key does. rolled_to names the key issued in its place, so a key is rolled once.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN rolled_to varchar(64) CONSTRAINT api_keys_rolled_to_fkey REFERENCES api_keys (id);
