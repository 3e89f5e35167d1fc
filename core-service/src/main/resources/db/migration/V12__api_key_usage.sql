-- How often each API key was used and when last, written in batches by each replica's key-usage
-- flush (one upsert per key per flush, adding to the total), never once per call: a row of its
-- own, so the hot path never writes api_keys.
CREATE TABLE api_key_usage (
    api_key_id      varchar(64)  NOT NULL CONSTRAINT api_key_usage_pkey PRIMARY KEY
                                 CONSTRAINT api_key_usage_key_fkey REFERENCES api_keys (id),
    partner_id      varchar(64)  NOT NULL CONSTRAINT api_key_usage_partner_fkey REFERENCES partners (id),
    request_count   bigint       NOT NULL CONSTRAINT api_key_usage_count_positive CHECK (request_count > 0),
    last_used_at    timestamptz  NOT NULL
);
