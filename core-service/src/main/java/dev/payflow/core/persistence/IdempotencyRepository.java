package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.SqlArrays.booleans;
import static dev.payflow.core.persistence.SqlArrays.texts;
import static dev.payflow.core.persistence.jooq.Tables.IDEMPOTENCY_KEYS;

import dev.payflow.core.domain.PartnerScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
     * same key, this waits (up to the lock timeout) for it to commit or roll back. The statement is
     * {@link #claimAll}'s, with one row: one text for every claim, kept prepared by the driver.
     */
    public Claim claim(DSLContext tx, PartnerScope scope, String key, String operation, String fingerprint, Instant now) {
        return claimAll(tx, List.of(new ClaimRequest(scope, key, operation, fingerprint)), now).get(0);
    }

    /** One key to claim with {@link #claimAll}. */
    public record ClaimRequest(PartnerScope scope, String key, String operation, String fingerprint) {
    }

    /**
     * Every claim, of one key or many, in one text whatever their number (one array per column),
     * so the driver keeps it prepared on each connection and PostgreSQL plans it once there.
     *
     * <p>The rows are inserted in the order given. {@code ORDER BY place} sorts them by their
     * position in the arrays ({@code WITH ORDINALITY}); PostgreSQL's executor then inserts each
     * row as it comes out of the sort, one at a time (the ModifyTable node pulls a row from the
     * SELECT beneath it, inserts it, checking the unique index, which waits on a key another
     * transaction holds uncommitted, and only then pulls the next). So the keys are locked in the
     * order given and a key that waits holds every key before it and none after it.
     * {@code IdempotencyClaimsTest} checks that order on the database itself.
     */
    private static final String CLAIM_ALL = """
            INSERT INTO idempotency_keys (partner_id, livemode, idempotency_key, operation, fingerprint, created_at)
            SELECT v.partner_id, v.livemode, v.idempotency_key, v.operation, v.fingerprint, ?
            FROM unnest(?::varchar[], ?::boolean[], ?::varchar[], ?::varchar[], ?::varchar[]) WITH ORDINALITY
                AS v(partner_id, livemode, idempotency_key, operation, fingerprint, place)
            ORDER BY v.place
            ON CONFLICT DO NOTHING
            RETURNING partner_id, livemode, idempotency_key
            """;

    /**
     * Claims several distinct keys in one statement, in the order given (see {@link #CLAIM_ALL}:
     * callers that sort their keys alike cannot deadlock on them): per key, in that order, CLAIMED
     * or USED. If any key is held by another transaction past the lock timeout, every key answers
     * BUSY, and the lock timeout has aborted the transaction.
     */
    public List<Claim> claimAll(DSLContext tx, List<ClaimRequest> requests, Instant now) {
        if (requests.isEmpty()) {
            return List.of();
        }
        Set<ClaimedKey> claimed;
        try {
            claimed = tx.connectionResult(connection -> insertClaims(connection, requests, now));
        } catch (DataAccessException e) {
            if (DatabaseErrors.isLockTimeout(e)) {
                return requests.stream().map(r -> Claim.BUSY).toList();
            }
            throw e;
        }
        return requests.stream()
                .map(r -> claimed.contains(new ClaimedKey(r.scope().partnerId(), r.scope().livemode(), r.key())) ? Claim.CLAIMED : Claim.USED)
                .toList();
    }

    /** A key as the insert returns it: partner, mode and key. */
    private record ClaimedKey(String partnerId, boolean livemode, String key) {
    }

    private static Set<ClaimedKey> insertClaims(Connection connection, List<ClaimRequest> requests, Instant now) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(CLAIM_ALL)) {
            int i = 0;
            statement.setObject(++i, Timestamps.toColumn(now));
            statement.setArray(++i, texts(connection, requests.stream().map(r -> r.scope().partnerId())));
            statement.setArray(++i, booleans(connection, requests.stream().map(r -> r.scope().livemode())));
            statement.setArray(++i, texts(connection, requests.stream().map(ClaimRequest::key)));
            statement.setArray(++i, texts(connection, requests.stream().map(ClaimRequest::operation)));
            statement.setArray(++i, texts(connection, requests.stream().map(ClaimRequest::fingerprint)));
            Set<ClaimedKey> claimed = new HashSet<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    claimed.add(new ClaimedKey(rows.getString(1), rows.getBoolean(2), rows.getString(3)));
                }
            }
            return claimed;
        }
    }

    private static final String FIND = """
            SELECT operation, fingerprint, transaction_id, hold_id, error_reason, error_message
            FROM idempotency_keys
            WHERE partner_id = ? AND livemode = ? AND idempotency_key = ?
            """;

    public Optional<Record> find(DSLContext tx, PartnerScope scope, String key) {
        return tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(FIND)) {
                bindKey(statement, 0, scope, key);
                try (ResultSet row = statement.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Record(row.getString(1), row.getString(2), Optional.ofNullable(row.getString(3)),
                            Optional.ofNullable(row.getString(4)), Optional.ofNullable(row.getString(5)), Optional.ofNullable(row.getString(6))));
                }
            }
        });
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

    private static final String RECORD_ERROR = """
            UPDATE idempotency_keys SET error_reason = ?, error_message = ?
            WHERE partner_id = ? AND livemode = ? AND idempotency_key = ?
            """;

    public void recordError(DSLContext tx, PartnerScope scope, String key, String reason, String message) {
        requireOne(tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(RECORD_ERROR)) {
                statement.setString(1, reason);
                statement.setString(2, message);
                bindKey(statement, 2, scope, key);
                return statement.executeUpdate();
            }
        }), key);
    }

    /** Binds a key's partner, mode and key after the statement's first {@code before} parameters. */
    private static void bindKey(PreparedStatement statement, int before, PartnerScope scope, String key) throws SQLException {
        statement.setString(before + 1, scope.partnerId());
        statement.setBoolean(before + 2, scope.livemode());
        statement.setString(before + 3, key);
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
