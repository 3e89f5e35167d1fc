-- Partner webhooks: the outbox of events (written in the same transaction as the change they
-- announce), each partner's endpoint per mode, and every delivery attempt.
--
-- An event row is the message as it goes out (its JSON envelope, byte for byte the body every
-- attempt sends, so the partner sees one event however often it arrives). Delivery state lives
-- beside it: a worker claims a due event with FOR UPDATE SKIP LOCKED and moves next_attempt_at
-- forward by a lease before it sends, so a second worker skips it and a worker that dies mid-send
-- leaves it due again once the lease runs out (at least once, never lost).

CREATE TABLE partner_events (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    type                varchar(64)   NOT NULL,
    -- The envelope {"id", "type", "createdAt", "livemode", "data"} as sent.
    body                text          NOT NULL,
    created_at          timestamptz   NOT NULL,
    delivery_status     varchar(16)   NOT NULL CONSTRAINT partner_events_delivery_status_check
                                      CHECK (delivery_status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempt_count       integer       NOT NULL DEFAULT 0 CONSTRAINT partner_events_attempt_count_check CHECK (attempt_count >= 0),
    -- When the next attempt is due (a claim's lease, while one is in flight); NULL once settled.
    next_attempt_at     timestamptz,
    delivered_at        timestamptz,
    CONSTRAINT partner_events_due_when_pending CHECK ((delivery_status = 'pending') = (next_attempt_at IS NOT NULL))
);
-- The workers' scan: only what is still to send, soonest first.
CREATE INDEX partner_events_due ON partner_events (next_attempt_at) WHERE delivery_status = 'pending';
-- The partner's list, newest first.
CREATE INDEX partner_events_partner ON partner_events (partner_id, livemode, id);

CREATE TABLE webhook_endpoints (
    partner_id                  varchar(64)   NOT NULL REFERENCES partners (id),
    livemode                    boolean       NOT NULL,
    url                         varchar(2048) NOT NULL,
    -- Subscribed types; empty means all.
    event_types                 text          NOT NULL,
    enabled                     boolean       NOT NULL,
    status                      varchar(16)   NOT NULL CONSTRAINT webhook_endpoints_status_check
                                              CHECK (status IN ('active', 'failing', 'disabled')),
    -- The signing secret, AES-GCM encrypted (Tink), and its display prefix.
    secret_ciphertext           bytea         NOT NULL,
    secret_prefix               varchar(32)   NOT NULL,
    -- False while no one has been shown the secret (an endpoint made from the onboarding
    -- webhookUrl): the partner's first PUT then issues a new one and shows it.
    secret_revealed             boolean       NOT NULL,
    -- The secret a roll replaced: it keeps signing until previous_secret_expires_at.
    previous_secret_ciphertext  bytea,
    previous_secret_expires_at  timestamptz,
    -- Since when every attempt has failed (NULL while the last one succeeded).
    failing_since               timestamptz,
    disabled_reason             varchar(500)  NOT NULL DEFAULT '',
    created_at                  timestamptz   NOT NULL,
    updated_at                  timestamptz   NOT NULL,
    PRIMARY KEY (partner_id, livemode),
    CONSTRAINT webhook_endpoints_previous_secret CHECK ((previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL))
);

CREATE TABLE webhook_attempts (
    event_id            varchar(64)   NOT NULL REFERENCES partner_events (id),
    number              integer       NOT NULL CONSTRAINT webhook_attempts_number_check CHECK (number >= 1),
    partner_id          varchar(64)   NOT NULL,
    livemode            boolean       NOT NULL,
    url                 varchar(2048) NOT NULL,
    attempted_at        timestamptz   NOT NULL,
    -- NULL when no HTTP answer came (refused address, timeout, connection error).
    http_status         integer,
    latency_ms          bigint        NOT NULL,
    succeeded           boolean       NOT NULL,
    error               varchar(1000) NOT NULL,
    -- At most 1 KiB of the answer, never for live mode.
    response_excerpt    varchar(1024) NOT NULL,
    PRIMARY KEY (event_id, number)
);
