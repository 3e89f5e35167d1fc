-- Atomic transfer batches (BatchCreateTransfers with atomic: true). The batch's own key is claimed
-- in idempotency_keys like any other key (so racing duplicates of a batch wait for each other, and
-- a failed batch records its member's error there); this row says how the batch ended, so that a
-- replay with the key answers exactly as the batch did. A committed batch's members are found
-- through their own keys, which it claimed.
CREATE TABLE transfer_batches (
    partner_id          varchar(64)   NOT NULL,
    livemode            boolean       NOT NULL,
    idempotency_key     varchar(255)  NOT NULL,
    -- 1..1,000 (Limits.TRANSFER_BATCH_SIZE_MAX).
    member_count        integer       NOT NULL,
    -- A committed batch: one letter per member, in the order sent: c created by the batch,
    -- r replayed (its key had been used before, or by an earlier member, with the same parameters).
    member_outcomes     varchar(1000),
    -- A batch that did not commit: the member (from 0) that failed; its error is on the batch key.
    failed_index        integer,
    created_at          timestamptz   NOT NULL,
    PRIMARY KEY (partner_id, livemode, idempotency_key),
    CONSTRAINT transfer_batches_key_fkey FOREIGN KEY (partner_id, livemode, idempotency_key)
        REFERENCES idempotency_keys (partner_id, livemode, idempotency_key),
    CONSTRAINT transfer_batches_member_count CHECK (member_count BETWEEN 1 AND 1000),
    CONSTRAINT transfer_batches_one_outcome CHECK ((member_outcomes IS NULL) <> (failed_index IS NULL)),
    CONSTRAINT transfer_batches_failed_index CHECK (failed_index IS NULL OR (failed_index >= 0 AND failed_index < member_count))
);
/* [jooq ignore start] */ -- A regular expression, which jOOQ's parser does not need to see.
ALTER TABLE transfer_batches ADD CONSTRAINT transfer_batches_member_outcomes
    CHECK (member_outcomes IS NULL OR (length(member_outcomes) = member_count AND member_outcomes ~ '^[cr]+$'));
/* [jooq ignore stop] */
