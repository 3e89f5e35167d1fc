-- OAuth for Standard connected accounts: the state of each authorize URL PayFlow handed out. Only
-- the state's SHA-256 digest is kept; the state itself travels through the holder's browser and
-- Stripe back to the callback, which claims it once (used_at) before it expires. The state binds
-- the account to be recorded to its partner, mode and user.
CREATE TABLE connect_oauth_states (
    state_digest     varchar(64)   PRIMARY KEY,
    partner_id       varchar(64)   NOT NULL REFERENCES partners (id),
    livemode         boolean       NOT NULL,
    -- The partner's id of the user who connects; NULL: the partner's own account.
    external_user_id varchar(255),
    redirect_uri     varchar(2048) NOT NULL,
    created_at       timestamptz   NOT NULL,
    expires_at       timestamptz   NOT NULL,
    used_at          timestamptz,
    CONSTRAINT connect_oauth_states_expiry_check CHECK (expires_at > created_at)
);
CREATE INDEX connect_oauth_states_expires ON connect_oauth_states (expires_at);
