package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.AUDIT_LOG;

import dev.payflow.core.domain.AuditRecord;
import dev.payflow.core.persistence.jooq.tables.records.AuditLogRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The append-only, hash-chained audit log. Nothing here updates or deletes: the database would refuse. */
public final class AuditLogRepository {
    /**
     * The advisory lock that serialises appends (an arbitrary constant, "AUDIT" in ASCII). Held
     * until the appending transaction ends, so each record reads its true predecessor.
     */
    private static final long APPEND_LOCK = 0x4155444954L;
    /** Records read per round trip when walking the chain. */
    private static final int WALK_BATCH = 500;

    /** Appends the record after the current head, chaining it; returns it as stored. */
    public AuditRecord append(DSLContext tx, AuditRecord unchained) {
        tx.select(DSL.field("pg_advisory_xact_lock({0})", Object.class, DSL.val(APPEND_LOCK))).fetch();
        Optional<AuditLogRecord> head = tx.selectFrom(AUDIT_LOG).orderBy(AUDIT_LOG.SEQ.desc()).limit(1).fetchOptional();
        AuditRecord record = unchained.chainedAfter(head.map(AuditLogRecord::getSeq).orElse(0L),
                head.map(AuditLogRecord::getHash).orElse(AuditRecord.GENESIS_HASH));
        tx.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.SEQ, record.seq())
                .set(AUDIT_LOG.OCCURRED_AT, Timestamps.toColumn(record.occurredAt()))
                .set(AUDIT_LOG.ACTOR_ID, record.actorId())
                .set(AUDIT_LOG.ACTOR_ROLE, record.actorRole())
                .set(AUDIT_LOG.ACTION, record.action())
                .set(AUDIT_LOG.TARGET, record.target())
                .set(AUDIT_LOG.OUTCOME, record.outcome())
                .set(AUDIT_LOG.REASON, record.reason())
                .set(AUDIT_LOG.BEFORE_STATE, record.before())
                .set(AUDIT_LOG.AFTER_STATE, record.after())
                .set(AUDIT_LOG.REQUEST_ID, record.requestId())
                .set(AUDIT_LOG.SOURCE_DIGEST, record.sourceDigest())
                .set(AUDIT_LOG.PREVIOUS_HASH, record.previousHash())
                .set(AUDIT_LOG.HASH, record.hash())
                .execute();
        return record;
    }

    /** The filters of a list; empty values match everything. */
    public record Filter(Optional<String> actorId, Optional<String> action, Optional<String> target, Optional<Instant> from,
            Optional<Instant> to) {
    }

    /** Newest first, below {@code beforeSeq} if given; one more than {@code limit}. */
    public List<AuditRecord> list(DSLContext tx, Filter filter, Optional<Long> beforeSeq, int limit) {
        Condition where = DSL.noCondition();
        if (filter.actorId().isPresent()) {
            where = where.and(AUDIT_LOG.ACTOR_ID.eq(filter.actorId().get()));
        }
        if (filter.action().isPresent()) {
            where = where.and(AUDIT_LOG.ACTION.eq(filter.action().get()));
        }
        if (filter.target().isPresent()) {
            where = where.and(AUDIT_LOG.TARGET.eq(filter.target().get()));
        }
        if (filter.from().isPresent()) {
            where = where.and(AUDIT_LOG.OCCURRED_AT.ge(Timestamps.toColumn(filter.from().get())));
        }
        if (filter.to().isPresent()) {
            where = where.and(AUDIT_LOG.OCCURRED_AT.lt(Timestamps.toColumn(filter.to().get())));
        }
        if (beforeSeq.isPresent()) {
            where = where.and(AUDIT_LOG.SEQ.lt(beforeSeq.get()));
        }
        return tx.selectFrom(AUDIT_LOG).where(where).orderBy(AUDIT_LOG.SEQ.desc()).limit(limit + 1).fetch(AuditLogRepository::toRecord);
    }

    /** Every record, oldest first, in batches, each handed to {@code visitor} until it has all been seen. */
    public void walk(DSLContext tx, Consumer<AuditRecord> visitor) {
        long after = 0;
        while (true) {
            List<AuditRecord> batch = tx.selectFrom(AUDIT_LOG).where(AUDIT_LOG.SEQ.gt(after)).orderBy(AUDIT_LOG.SEQ.asc()).limit(WALK_BATCH)
                    .fetch(AuditLogRepository::toRecord);
            batch.forEach(visitor);
            if (batch.size() < WALK_BATCH) {
                return;
            }
            after = batch.get(batch.size() - 1).seq();
        }
    }

    private static AuditRecord toRecord(AuditLogRecord r) {
        return new AuditRecord(r.getSeq(), Timestamps.fromColumn(r.getOccurredAt()), r.getActorId(), r.getActorRole(), r.getAction(),
                r.getTarget(), r.getOutcome(), r.getReason(), r.getBeforeState(), r.getAfterState(), r.getRequestId(), r.getSourceDigest(),
                r.getPreviousHash(), r.getHash());
    }
}
