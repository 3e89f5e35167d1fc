-- The admin console: PayFlow's own operators, their sessions, login throttling, the audit trail
-- of every admin action, and manual adjustments that need a second operator.

CREATE TABLE operators (
    id                  varchar(64)   PRIMARY KEY,
    -- Lower-cased; one operator per address.
    email               varchar(320)  NOT NULL CONSTRAINT operators_email_key UNIQUE,
    display_name        varchar(200)  NOT NULL,
    role                varchar(16)   NOT NULL CONSTRAINT operators_role_check CHECK (role IN ('viewer', 'operator', 'admin')),
    status              varchar(16)   NOT NULL CONSTRAINT operators_status_check CHECK (status IN ('active', 'disabled')),
    -- Argon2id in its standard encoded form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash       varchar(256)  NOT NULL,
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL
);

-- A signed-in operator. The cookie carries the session id; only its SHA-256 is stored, so a copy
-- of this table opens no session. A session ends at logout (ended_at), when idle too long
-- (last_seen_at) or at its absolute expiry (expires_at), whichever comes first.
CREATE TABLE operator_sessions (
    id_hash             varchar(64)   PRIMARY KEY,
    operator_id         varchar(64)   NOT NULL REFERENCES operators (id),
    -- The CSRF token bound to this session (useless without the session's cookie).
    csrf_token          varchar(64)   NOT NULL,
    created_at          timestamptz   NOT NULL,
    last_seen_at        timestamptz   NOT NULL,
    expires_at          timestamptz   NOT NULL,
    ended_at            timestamptz
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id) WHERE ended_at IS NULL;

-- Failed logins per subject: `account:<digest of the email>` or `source:<digest of the address>`.
-- A subject with too many failures in its window is locked until locked_until.
CREATE TABLE login_throttles (
    subject             varchar(128)  PRIMARY KEY,
    failures            integer       NOT NULL CONSTRAINT login_throttles_failures_check CHECK (failures >= 0),
    window_started_at   timestamptz   NOT NULL,
    locked_until        timestamptz
);

-- Every admin action, append-only and hash-chained: each record's hash covers its fields and the
-- previous record's hash, so editing, deleting or inserting a record in the middle shows as a
-- break when the chain is walked. Appends are serialised (an advisory lock held by the appending
-- transaction), so seq has no gaps and each record names its true predecessor. Personal data
-- (emails, names, addresses) appears only as keyed digests (`hmac:...`), so redaction never has
-- to edit a record here.
CREATE TABLE audit_log (
    seq                 bigint        PRIMARY KEY CONSTRAINT audit_log_seq_check CHECK (seq >= 1),
    occurred_at         timestamptz   NOT NULL,
    -- `opr_...` for an operator's session, `automation` for the admin token, `anonymous` for a
    -- login that named no known operator.
    actor_id            varchar(64)   NOT NULL,
    actor_role          varchar(16)   NOT NULL,
    -- The RPC, e.g. `PartnerAdminService.UpdatePartnerStatus`.
    action              varchar(128)  NOT NULL,
    -- The id of the object acted on, or empty.
    target              varchar(128)  NOT NULL,
    -- `ok`, or the ErrorInfo reason the caller was answered with.
    outcome             varchar(64)   NOT NULL,
    reason              varchar(500)  NOT NULL,
    -- JSON, secrets masked and personal data digested; `{}` when there is nothing to show.
    before_state        text          NOT NULL,
    after_state         text          NOT NULL,
    request_id          varchar(128)  NOT NULL,
    source_digest       varchar(80)   NOT NULL,
    previous_hash       varchar(64)   NOT NULL,
    hash                varchar(64)   NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_target ON audit_log (target, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

-- Four-eyes corrections of a wallet: proposed by one operator, approved (then booked or failed)
-- or rejected by another. Approval is committed before the booking (through the ledger engine,
-- with a key derived from the adjustment's id), so an adjustment left `approved` by a crash is
-- booked exactly once when it is approved again.
CREATE TABLE adjustments (
    id                  varchar(64)   PRIMARY KEY,
    partner_id          varchar(64)   NOT NULL REFERENCES partners (id),
    livemode            boolean       NOT NULL,
    wallet_id           varchar(64)   NOT NULL REFERENCES wallets (id),
    amount_minor        bigint        NOT NULL CONSTRAINT adjustments_amount_check CHECK (amount_minor > 0),
    currency            char(3)       NOT NULL,
    direction           varchar(8)    NOT NULL CONSTRAINT adjustments_direction_check CHECK (direction IN ('credit', 'debit')),
    reason              varchar(500)  NOT NULL,
    -- The proposer's key: the same key with the same terms returns this adjustment again.
    idempotency_key     varchar(255)  NOT NULL CONSTRAINT adjustments_idempotency_key_key UNIQUE,
    status              varchar(16)   NOT NULL CONSTRAINT adjustments_status_check
                                      CHECK (status IN ('proposed', 'approved', 'booked', 'failed', 'rejected')),
    proposed_by         varchar(64)   NOT NULL,
    proposed_at         timestamptz   NOT NULL,
    decided_by          varchar(64),
    decided_at          timestamptz,
    decision_reason     varchar(500)  NOT NULL DEFAULT '',
    transaction_id      varchar(64)   REFERENCES transactions (id),
    -- The ErrorInfo reason a failed booking met (e.g. INSUFFICIENT_FUNDS).
    failure_reason      varchar(64)   NOT NULL DEFAULT '',
    CONSTRAINT adjustments_four_eyes CHECK (decided_by IS NULL OR decided_by <> proposed_by),
    CONSTRAINT adjustments_booked_has_transaction CHECK ((status = 'booked') = (transaction_id IS NOT NULL)),
    CONSTRAINT adjustments_decided CHECK ((status = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX adjustments_status ON adjustments (status, id);

ALTER TABLE transactions DROP CONSTRAINT transactions_type_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_type_check
    CHECK (type IN ('credit', 'debit', 'transfer', 'payout', 'reversal', 'payment', 'refund', 'dispute', 'dispute_reversal', 'fee',
                    'adjustment'));

/* [jooq ignore start] */
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
/* [jooq ignore stop] */

-- Retention: a wallet records when it was closed, and when its personal data was redacted
-- (3 years after closing, by the retention job; its ledger rows are never touched).
ALTER TABLE wallets ADD COLUMN closed_at timestamptz;
ALTER TABLE wallets ADD COLUMN redacted_at timestamptz;
-- The retention job's scan: closed wallets not yet redacted, oldest closing first.
CREATE INDEX wallets_retention_due ON wallets (closed_at) WHERE closed_at IS NOT NULL AND redacted_at IS NULL;
