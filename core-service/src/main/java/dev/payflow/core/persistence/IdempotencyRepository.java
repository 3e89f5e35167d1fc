package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.IDEMPOTENCY_KEYS;

import dev.payflow.core.domain.PartnerScope;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * Idempotency records. Claimed in the same database transaction as the effect they guard, as the
 * transaction's first statement, before any wallet is locked.
 */
public final class IdempotencyRepository {

    /** What a key was first used for, and how that ended (a transaction, a hold, both, or a business-rule error). */
    public record Record(String operation, String fingerprint, Optional<String> transactionId, Optional<String> holdId,
            Optional<String> errorReason, Optional<String> errorMessage) {
    }

    /** The result of claiming a key. */
    public enum Claim {
        /** This request now owns the key. */
        CLAIMED,
        /** The key was used before; its record tells how that ended. */
        USED,
        /** Another request holds the key and did not finish within the lock timeout. */
        BUSY
    }

    /**
     * Claims the key for this request. If another transaction holds an uncommitted claim on the
     * same key, this waits (up to the lock timeout) for it to commit or roll back.
     */
    public Claim claim(DSLContext tx, PartnerScope scope, String key, String operation, String fingerprint, Instant now) {
        try {
            return insertClaim(tx, scope, key, operation, fingerprint, now) ? Claim.CLAIMED : Claim.USED;
        } catch (DataAccessException e) {
            if (DatabaseErrors.isLockTimeout(e)) {
                return Claim.BUSY;
            }
            throw e;
        }
    }

    private boolean insertClaim(DSLContext tx, PartnerScope scope, String key, String operation, String fingerprint, Instant now) {
        return tx.insertInto(IDEMPOTENCY_KEYS)
                .set(IDEMPOTENCY_KEYS.PARTNER_ID, scope.partnerId())
                .set(IDEMPOTENCY_KEYS.LIVEMODE, scope.livemode())
                .set(IDEMPOTENCY_KEYS.IDEMPOTENCY_KEY, key)
                .set(IDEMPOTENCY_KEYS.OPERATION, operation)
                .set(IDEMPOTENCY_KEYS.FINGERPRINT, fingerprint)
                .set(IDEMPOTENCY_KEYS.CREATED_AT, Timestamps.toColumn(now))
                .onConflictDoNothing()
                .execute() == 1;
    }

    /** One key to claim with {@link #claimAll}. */
    public record ClaimRequest(PartnerScope scope, String key, String operation, String fingerprint) {
    }

    /**
     * Claims several distinct keys in one statement, in the order given (PostgreSQL inserts a
     * statement's rows in that order, so callers that sort their keys alike cannot deadlock on
     * them): per key, in that order, CLAIMED or USED. If any key is held by another transaction past
     * the lock timeout, every key answers BUSY, and the lock timeout has aborted the transaction.
     */
    public List<Claim> claimAll(DSLContext tx, List<ClaimRequest> requests, Instant now) {
        if (requests.isEmpty()) {
            return List.of();
        }
        if (requests.size() == 1) {
            ClaimRequest only = requests.get(0);
            return List.of(claim(tx, only.scope(), only.key(), only.operation(), only.fingerprint(), now));
        }
        var insert = tx.insertInto(IDEMPOTENCY_KEYS, IDEMPOTENCY_KEYS.PARTNER_ID, IDEMPOTENCY_KEYS.LIVEMODE, IDEMPOTENCY_KEYS.IDEMPOTENCY_KEY,
                IDEMPOTENCY_KEYS.OPERATION, IDEMPOTENCY_KEYS.FINGERPRINT, IDEMPOTENCY_KEYS.CREATED_AT);
        for (ClaimRequest r : requests) {
            insert = insert.values(r.scope().partnerId(), r.scope().livemode(), r.key(), r.operation(), r.fingerprint(), Timestamps.toColumn(now));
        }
        Set<List<Object>> claimed = new HashSet<>();
        try {
            insert.onConflictDoNothing()
                    .returningResult(IDEMPOTENCY_KEYS.PARTNER_ID, IDEMPOTENCY_KEYS.LIVEMODE, IDEMPOTENCY_KEYS.IDEMPOTENCY_KEY)
                    .fetch()
                    .forEach(row -> claimed.add(List.of(row.value1(), row.value2(), row.value3())));
        } catch (DataAccessException e) {
            if (DatabaseErrors.isLockTimeout(e)) {
                return requests.stream().map(r -> Claim.BUSY).toList();
            }
            throw e;
        }
        return requests.stream()
                .map(r -> claimed.contains(List.of(r.scope().partnerId(), r.scope().livemode(), r.key())) ? Claim.CLAIMED : Claim.USED)
                .toList();
    }

    public Optional<Record> find(DSLContext tx, PartnerScope scope, String key) {
        return tx.selectFrom(IDEMPOTENCY_KEYS).where(keyIs(scope, key)).fetchOptional()
                .map(r -> new Record(r.getOperation(), r.getFingerprint(), Optional.ofNullable(r.getTransactionId()),
                        Optional.ofNullable(r.getHoldId()), Optional.ofNullable(r.getErrorReason()), Optional.ofNullable(r.getErrorMessage())));
    }

    /** Adds the record of what a key created (a transaction, a hold, or both) to a batch. */
    public Batch recordOutcome(Batch batch, DSLContext tx, PartnerScope scope, String key, Optional<String> transactionId,
            Optional<String> holdId) {
        if (transactionId.isEmpty() && holdId.isEmpty()) {
            throw new IllegalArgumentException("idempotency key " + key + ": an outcome names a transaction or a hold");
        }
        return batch.add(tx.update(IDEMPOTENCY_KEYS)
                .set(IDEMPOTENCY_KEYS.TRANSACTION_ID, transactionId.orElse(null))
                .set(IDEMPOTENCY_KEYS.HOLD_ID, holdId.orElse(null))
                .where(keyIs(scope, key)), 1);
    }

    public void recordError(DSLContext tx, PartnerScope scope, String key, String reason, String message) {
        requireOne(tx.update(IDEMPOTENCY_KEYS)
                .set(IDEMPOTENCY_KEYS.ERROR_REASON, reason)
                .set(IDEMPOTENCY_KEYS.ERROR_MESSAGE, message)
                .where(keyIs(scope, key)).execute(), key);
    }

    private static Condition keyIs(PartnerScope scope, String key) {
        return IDEMPOTENCY_KEYS.PARTNER_ID.eq(scope.partnerId())
                .and(IDEMPOTENCY_KEYS.LIVEMODE.eq(scope.livemode()))
                .and(IDEMPOTENCY_KEYS.IDEMPOTENCY_KEY.eq(key));
    }

    private static void requireOne(int updated, String key) {
        if (updated != 1) {
            throw new IllegalStateException("idempotency key " + key + " was not claimed in this transaction");
        }
    }
}
