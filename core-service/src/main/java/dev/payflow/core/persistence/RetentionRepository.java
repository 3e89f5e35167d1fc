package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PARTNER_EVENTS;
import static dev.payflow.core.persistence.jooq.Tables.PAYMENTS;
import static dev.payflow.core.persistence.jooq.Tables.WALLETS;
import static dev.payflow.core.persistence.jooq.Tables.WEBHOOK_ATTEMPTS;

import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** What the retention job reads and redacts. It deletes nothing: financial records outlive every period here. */
public final class RetentionRepository {

    /** A stored partner event's id and body. */
    public record StoredEvent(String id, String body) {
    }

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

    /**
     * Empties the personal data of the payments that funded the wallet: metadata, description and
     * the gateway's customer. Amounts, statuses, the gateway's payment id (reconciliation matches
     * on it) and the ledger transaction stay. Returns how many payments it changed.
     */
    public int redactPaymentsOfWallet(DSLContext tx, String walletId) {
        return tx.update(PAYMENTS)
                .set(PAYMENTS.METADATA, JSONB.valueOf("{}"))
                .set(PAYMENTS.DESCRIPTION, "")
                .setNull(PAYMENTS.CUSTOMER)
                .where(PAYMENTS.WALLET_ID.eq(walletId))
                .execute();
    }

    /**
     * The next {@code limit} events of the wallet's partner and mode, after {@code afterEventId} by
     * id, whose body names the wallet (its quoted id appears in it: ids are unique and prefixed, so
     * this finds every event about it; the caller's JSON walk decides what to change).
     */
    public List<StoredEvent> eventsNamingWallet(DSLContext tx, String walletId, String afterEventId, int limit) {
        var wallet = WALLETS.as("w");
        return tx.select(PARTNER_EVENTS.ID, PARTNER_EVENTS.BODY).from(PARTNER_EVENTS)
                .join(wallet).on(wallet.ID.eq(walletId)
                        .and(PARTNER_EVENTS.PARTNER_ID.eq(wallet.PARTNER_ID))
                        .and(PARTNER_EVENTS.LIVEMODE.eq(wallet.LIVEMODE)))
                .where(PARTNER_EVENTS.ID.gt(afterEventId))
                .and(DSL.position(PARTNER_EVENTS.BODY, DSL.val("\"" + walletId + "\"")).gt(0))
                .orderBy(PARTNER_EVENTS.ID.asc())
                .limit(limit)
                .fetch(r -> new StoredEvent(r.value1(), r.value2()));
    }

    /**
     * Stores an event's redacted body and drops the excerpts of its delivery attempts' answers (a
     * receiver may echo the body it got). Later attempts and replays send the redacted body.
     */
    public void redactEvent(DSLContext tx, String eventId, String redactedBody) {
        int updated = tx.update(PARTNER_EVENTS).set(PARTNER_EVENTS.BODY, redactedBody).where(PARTNER_EVENTS.ID.eq(eventId)).execute();
        if (updated != 1) {
            throw new IllegalStateException("event " + eventId + ": " + updated + " rows redacted (expected: 1)");
        }
        tx.update(WEBHOOK_ATTEMPTS).set(WEBHOOK_ATTEMPTS.RESPONSE_EXCERPT, "")
                .where(WEBHOOK_ATTEMPTS.EVENT_ID.eq(eventId).and(WEBHOOK_ATTEMPTS.RESPONSE_EXCERPT.ne("")))
                .execute();
    }
}
