package dev.payflow.core.ledger;

import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.LedgerTransaction;
import java.util.Optional;

/**
 * What a movement left in the books, as read back after writing it (or, for a replay, as it is
 * now): the transaction it booked, the hold it placed or resolved, or both (a capture).
 */
public record Booking(Optional<LedgerTransaction> transaction, Optional<Hold> hold) {
    public Booking {
        if (transaction.isEmpty() && hold.isEmpty()) {
            throw new IllegalArgumentException("a booking has a transaction, a hold, or both");
        }
    }

    public LedgerTransaction requireTransaction() {
        return transaction.orElseThrow(() -> new IllegalStateException("this movement booked no transaction"));
    }

    public Hold requireHold() {
        return hold.orElseThrow(() -> new IllegalStateException("this movement placed or resolved no hold"));
    }
}
