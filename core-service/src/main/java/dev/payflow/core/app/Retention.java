package dev.payflow.core.app;

import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.RetentionRepository;
import dev.payflow.core.webhook.WalletRedaction;
import org.jooq.DSLContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * The retention job: redacts the personal data of wallets closed longer ago than the configured
 * years (names, the partner's user and wallet ids become {@code redacted_<walletId>}, metadata is
 * emptied) and leaves their ledger rows, balances and ids as they are. In the same transaction it
 * redacts the wallet's copies elsewhere: the payments that funded it (metadata, description,
 * customer) and the stored partner webhook events about it ({@link WalletRedaction}), with their
 * attempts' answer excerpts. Each run claims a bounded
 * batch with SKIP LOCKED, so replicas running it at once share the work and never redact twice.
 * Financial and audit records are never deleted (their periods are minimums; deletion after them
 * is not built). The audit trail holds personal data only as digests, so it needs no redaction.
 */
public final class Retention {
    /** Wallets per transaction: a short lock, and a backlog is worked off over a few runs. */
    static final int BATCH_SIZE = 100;
    /** Batches per run, so one run ends in bounded time even with a large backlog. */
    static final int BATCHES_PER_RUN_MAX = 50;
    /**
     * Events read at a time while redacting one wallet's: a wallet may have thousands (a busy
     * savings circle over years), so they are walked in pages rather than loaded at once.
     */
    static final int EVENTS_PAGE_SIZE = 200;

    private final Database database;
    private final Services services;
    private final RetentionRepository repository;
    private final int walletYearsAfterClosing;

    public Retention(Database database, Services services, RetentionRepository repository, int walletYearsAfterClosing) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.walletYearsAfterClosing = walletYearsAfterClosing;
    }

    /** Redacts what is due now, by the injected clock; returns how many wallets it redacted. */
    public int redactDue() {
        Instant now = services.now();
        // Calendar years (leap days counted), so "3 years after closing" means the same date three years on.
        Instant closedBefore = now.atOffset(ZoneOffset.UTC).minusYears(walletYearsAfterClosing).toInstant();
        int redacted = 0;
        for (int batch = 0; batch < BATCHES_PER_RUN_MAX; batch++) {
            int done = database.inTransaction(tx -> {
                List<String> due = repository.claimWalletsToRedact(tx, closedBefore, BATCH_SIZE);
                for (String walletId : due) {
                    repository.redactWallet(tx, walletId, now);
                    repository.redactPaymentsOfWallet(tx, walletId);
                    redactEvents(tx, walletId);
                }
                return due.size();
            });
            redacted += done;
            if (done < BATCH_SIZE) {
                break;
            }
        }
        return redacted;
    }

    /**
     * Every stored event naming the wallet, a page at a time by id. The loop ends: each page starts
     * after the previous page's last id, and a short page is the last.
     */
    private void redactEvents(DSLContext tx, String walletId) {
        String after = "";
        while (true) {
            List<RetentionRepository.StoredEvent> page = repository.eventsNamingWallet(tx, walletId, after, EVENTS_PAGE_SIZE);
            for (RetentionRepository.StoredEvent event : page) {
                WalletRedaction.redact(event.body(), walletId).ifPresent(body -> repository.redactEvent(tx, event.id(), body));
            }
            if (page.size() < EVENTS_PAGE_SIZE) {
                return;
            }
            after = page.get(page.size() - 1).id();
        }
    }
}
