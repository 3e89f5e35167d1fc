package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.WALLETS;

import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/** What the retention job reads and redacts. It deletes nothing: financial records outlive every period here. */
public final class RetentionRepository {

    /**
     * Closed wallets whose closing is before {@code closedBefore} and that are not redacted yet,
     * locked; rows another replica holds are skipped, so replicas share the work.
     */
    public List<String> claimWalletsToRedact(DSLContext tx, Instant closedBefore, int limit) {
        return tx.select(WALLETS.ID).from(WALLETS)
                .where(WALLETS.CLOSED_AT.lt(Timestamps.toColumn(closedBefore)).and(WALLETS.REDACTED_AT.isNull()))
                .orderBy(WALLETS.CLOSED_AT.asc(), WALLETS.ID.asc())
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(WALLETS.ID);
    }

    /** Replaces the wallet's personal data (names, the partner's user and wallet ids, metadata); balances and entries stay. */
    public void redactWallet(DSLContext tx, String walletId, Instant now) {
        String redacted = "redacted_" + walletId;
        int updated = tx.update(WALLETS)
                .set(WALLETS.NAME, redacted)
                .set(WALLETS.EXTERNAL_USER_ID, redacted)
                .set(WALLETS.EXTERNAL_WALLET_ID, redacted)
                .set(WALLETS.METADATA, JSONB.valueOf("{}"))
                .set(WALLETS.REDACTED_AT, Timestamps.toColumn(now))
                .where(WALLETS.ID.eq(walletId).and(WALLETS.REDACTED_AT.isNull()))
                .execute();
        if (updated != 1) {
            throw new IllegalStateException("wallet " + walletId + ": " + updated + " rows redacted (expected: 1)");
        }
    }
}
