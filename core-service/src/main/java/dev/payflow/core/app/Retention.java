package dev.payflow.core.app;

import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.RetentionRepository;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * The retention job: redacts the personal data of wallets closed longer ago than the configured
 * years (names, the partner's user and wallet ids become {@code redacted_<walletId>}, metadata is
 * emptied) and leaves their ledger rows, balances and ids as they are. Each run claims a bounded
 * batch with SKIP LOCKED, so replicas running it at once share the work and never redact twice.
 * Financial and audit records are never deleted (their periods are minimums; deletion after them
 * is not built). The audit trail holds personal data only as digests, so it needs no redaction.
 */
public final class Retention {
    /** Wallets per transaction: a short lock, and a backlog is worked off over a few runs. */
    static final int BATCH_SIZE = 100;
    /** Batches per run, so one run ends in bounded time even with a large backlog. */
    static final int BATCHES_PER_RUN_MAX = 50;

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
                due.forEach(walletId -> repository.redactWallet(tx, walletId, now));
                return due.size();
            });
            redacted += done;
            if (done < BATCH_SIZE) {
                break;
            }
        }
        return redacted;
    }
}
