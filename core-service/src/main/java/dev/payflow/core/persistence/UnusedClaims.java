package dev.payflow.core.persistence;

import dev.payflow.core.domain.PartnerScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import org.jooq.DSLContext;

/**
 * Takes back idempotency keys that the current transaction claimed and will not use, before it
 * commits: a batch member that is put off to a later transaction writes nothing in this one, so
 * its key must stay free (for that later transaction, or for a racing duplicate that waits on the
 * key's row and then claims it as if the batch had never touched it).
 *
 * <p>Only rows this transaction inserted and recorded no outcome on are removed: the statement
 * matches {@code xmin} (the inserting transaction) against the current one and requires every
 * outcome column to be empty, so a key used before (a replay's) or one that booked or refused
 * something can never be taken back, whatever the caller believes; a count that differs from what
 * was asked throws, and the caller's transaction rolls back. Removing such a row touches nothing
 * else: no trigger guards {@code idempotency_keys}, the only foreign key that names it is an
 * atomic batch's ({@code transfer_batches}, for the batch's own key, never a member's), the rows
 * naming it ({@code transactions}, holds) are written only by a member that books, and retention
 * never reads keys. Another transaction never saw the row (it was not committed), so to everyone
 * else the key was simply never claimed.
 */
public final class UnusedClaims {
    /** One text whatever the number of keys (one array per column), as {@link BulkPostings} explains. */
    private static final String DELETE = """
            DELETE FROM idempotency_keys
            WHERE (partner_id, livemode, idempotency_key) IN (SELECT * FROM unnest(?::varchar[], ?::boolean[], ?::varchar[]))
                AND transaction_id IS NULL AND hold_id IS NULL AND error_reason IS NULL
                AND xmin = pg_current_xact_id()::xid
            """;

    /** A key claimed in the current transaction. */
    public record Claimed(PartnerScope scope, String key) {
        public Claimed {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Removes the given keys' claims, each of which this transaction made and recorded nothing on.
     *
     * @throws IllegalStateException if any of them is not such a claim (nothing is to commit then)
     */
    public void remove(DSLContext tx, List<Claimed> claims) {
        if (claims.isEmpty()) {
            return;
        }
        int removed = tx.connectionResult(connection -> delete(connection, claims));
        if (removed != claims.size()) {
            throw new IllegalStateException("removed " + removed + " idempotency claims, meant " + claims.size()
                    + ": a key was not claimed by this transaction, or has an outcome");
        }
    }

    private static int delete(Connection connection, List<Claimed> claims) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(DELETE)) {
            statement.setArray(1, SqlArrays.texts(connection, claims.stream().map(c -> c.scope().partnerId())));
            statement.setArray(2, SqlArrays.booleans(connection, claims.stream().map(c -> c.scope().livemode())));
            statement.setArray(3, SqlArrays.texts(connection, claims.stream().map(Claimed::key)));
            return statement.executeUpdate();
        }
    }
}
