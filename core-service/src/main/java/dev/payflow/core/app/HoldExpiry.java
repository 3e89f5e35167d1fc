package dev.payflow.core.app;

import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.HoldRepository;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases pending holds whose expiry has come, as {@code expired}. Safe on several replicas at
 * once: each release locks the hold it takes with SKIP LOCKED, so replicas share the due holds instead
 * of queueing on them, and each release carries the key {@code sys:hold-expiry:<hold>:expire}, so
 * a hold is released once however often it is tried.
 */
public final class HoldExpiry {
    private static final Logger LOG = LoggerFactory.getLogger(HoldExpiry.class);
    /** Holds released per run: a run stays short even when many fall due at once; the next tick goes on. */
    public static final int RUN_SIZE_MAX = 1_000;

    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final HoldRepository holds;

    public HoldExpiry(Database database, Services services, LedgerEngine ledger, HoldRepository holds) {
        this.database = database;
        this.services = services;
        this.ledger = ledger;
        this.holds = holds;
    }

    /**
     * Releases due holds, one database transaction each, until none is due or {@link #RUN_SIZE_MAX}
     * are released; returns how many it released. One hold per transaction keeps the lock order
     * every movement uses (the hold, then its wallet): a batch holding several wallets at once
     * could deadlock with a capture.
     */
    public int releaseDue() {
        int released = 0;
        while (released < RUN_SIZE_MAX && releaseNext()) {
            released++;
        }
        if (released > 0) {
            LOG.info("released {} expired holds", released);
        }
        return released;
    }

    private boolean releaseNext() {
        return database.inTransaction(tx -> {
            List<Hold> due = holds.lockDueForExpiry(tx, services.now(), 1);
            for (Hold hold : due) {
                ledger.bookWithin(tx, hold.scope(), Movement.of("ExpireHold", IdempotencyKey.system("hold-expiry", hold.id(), "expire"),
                        new Instruction.ReleaseHold(hold.id(), HoldStatus.EXPIRED), hold.id())).orThrow();
            }
            return !due.isEmpty();
        });
    }
}
