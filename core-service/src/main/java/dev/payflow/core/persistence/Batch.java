package dev.payflow.core.persistence;

import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;

/**
 * Several writes sent to PostgreSQL in one round trip (a JDBC batch), each with the number of
 * rows it must touch. A movement's writes happen while its wallets are locked, so every round
 * trip saved there is lock time saved for the next request on the same wallet.
 */
public final class Batch {
    private final List<Query> queries = new ArrayList<>();
    private final List<Integer> expectedRows = new ArrayList<>();

    Batch add(Query query, int rows) {
        queries.add(query);
        expectedRows.add(rows);
        return this;
    }

    /** Runs every write; a write that touched another number of rows than expected is a bug and rolls the transaction back. */
    public void execute(DSLContext tx) {
        int[] counts = tx.batch(queries).execute();
        if (counts.length != queries.size()) {
            throw new IllegalStateException("batch of " + queries.size() + " writes reported " + counts.length + " results");
        }
        for (int i = 0; i < counts.length; i++) {
            // SUCCESS_NO_INFO counts as a failure too: a write we cannot verify is not a write we trust.
            if (counts[i] != expectedRows.get(i)) {
                throw new IllegalStateException("write " + i + " touched " + counts[i] + " rows, expected " + expectedRows.get(i) + ": " + queries.get(i));
            }
        }
    }
}
