-- Reconciliation with Stripe: runs over a time window, what matched, the system accounts against
-- Stripe's balance transactions, and every mismatch as a finding that an operator resolves
-- explicitly (a new ledger transaction or an acknowledgement, never an edit).

CREATE TABLE reconciliation_runs (
    id                  varchar(64)   PRIMARY KEY,
    livemode            boolean       NOT NULL,
    window_from         timestamptz   NOT NULL,
    window_to           timestamptz   NOT NULL,
    status              varchar(16)   NOT NULL CONSTRAINT reconciliation_runs_status_check
                                      CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    trigger_kind        varchar(16)   NOT NULL CONSTRAINT reconciliation_runs_trigger_check CHECK (trigger_kind IN ('operator', 'schedule')),
    started_by          varchar(64)   NOT NULL,
    -- The UTC day a scheduled run covers: one run per day and mode, whichever replica inserts it first.
    scheduled_day       date,
    -- Progress: what the run is reading, and how many Stripe objects it has read.
    stage               varchar(64)   NOT NULL DEFAULT '',
    objects_read        bigint        NOT NULL DEFAULT 0,
    finding_count       bigint        NOT NULL DEFAULT 0,
    failure_message     varchar(1000) NOT NULL DEFAULT '',
    -- A worker's claim: a run still `running` past its lease was left by a dead process and is started again.
    lease_until         timestamptz,
    attempts            integer       NOT NULL DEFAULT 0,
    created_at          timestamptz   NOT NULL,
    started_at          timestamptz,
    finished_at         timestamptz,
    CONSTRAINT reconciliation_runs_window_check CHECK (window_from < window_to),
    CONSTRAINT reconciliation_runs_scheduled_check CHECK ((trigger_kind = 'schedule') = (scheduled_day IS NOT NULL)),
    CONSTRAINT reconciliation_runs_day_key UNIQUE (livemode, scheduled_day)
);
CREATE INDEX reconciliation_runs_open ON reconciliation_runs (created_at) WHERE status IN ('queued', 'running');

-- Matched counts and totals per object type and currency (category 'matched'), and the system
-- account checks (category 'system_account': stripe_minor against payflow_minor), of a completed run.
CREATE TABLE reconciliation_totals (
    run_id              varchar(64)   NOT NULL REFERENCES reconciliation_runs (id),
    category            varchar(16)   NOT NULL CONSTRAINT reconciliation_totals_category_check
                                      CHECK (category IN ('matched', 'system_account')),
    name                varchar(64)   NOT NULL,
    currency            varchar(3)    NOT NULL,
    object_count        bigint        NOT NULL,
    stripe_minor        bigint        NOT NULL,
    payflow_minor       bigint        NOT NULL,
    PRIMARY KEY (run_id, category, name, currency)
);

CREATE TABLE reconciliation_findings (
    id                  varchar(64)   PRIMARY KEY,
    run_id              varchar(64)   NOT NULL REFERENCES reconciliation_runs (id),
    kind                varchar(32)   NOT NULL CONSTRAINT reconciliation_findings_kind_check
                                      CHECK (kind IN ('missing_in_payflow', 'missing_in_stripe', 'amount_differs', 'status_differs',
                                                      'currency_differs', 'fee_differs')),
    object_type         varchar(64)   NOT NULL,
    stripe_id           varchar(255)  NOT NULL,
    payflow_id          varchar(64)   NOT NULL,
    partner_id          varchar(64)   REFERENCES partners (id),
    currency            varchar(3)    NOT NULL,
    stripe_value        varchar(255)  NOT NULL,
    payflow_value       varchar(255)  NOT NULL,
    detail              varchar(1000) NOT NULL,
    suggested_action    varchar(16)   NOT NULL CONSTRAINT reconciliation_findings_suggested_check
                                      CHECK (suggested_action IN ('acknowledge', 'book_fee')),
    suggestion          varchar(1000) NOT NULL,
    -- For a fee PayFlow can book: the amount, in minor units, that `book_fee` books from gateway_fees
    -- to gateway_clearing (negative: the other way), and the Stripe object its key is derived from.
    fee_correction_minor bigint,
    status              varchar(16)   NOT NULL CONSTRAINT reconciliation_findings_status_check CHECK (status IN ('open', 'resolved')),
    resolution_action   varchar(16)   CONSTRAINT reconciliation_findings_action_check CHECK (resolution_action IN ('acknowledge', 'book_fee')),
    resolution_reason   varchar(500),
    resolved_by         varchar(64),
    resolved_at         timestamptz,
    transaction_id      varchar(64)   REFERENCES transactions (id),
    created_at          timestamptz   NOT NULL,
    CONSTRAINT reconciliation_findings_fee_attributed CHECK (fee_correction_minor IS NULL OR partner_id IS NOT NULL),
    CONSTRAINT reconciliation_findings_resolved CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
    CONSTRAINT reconciliation_findings_booked CHECK (transaction_id IS NULL OR resolution_action = 'book_fee')
);
CREATE INDEX reconciliation_findings_run ON reconciliation_findings (run_id, id);
