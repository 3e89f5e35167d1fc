package dev.payflow.core.ledger;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Wallet;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * Told of every movement the engine books, inside the booking's own database transaction, after
 * it is written and checked: what it writes there (the partner events of the outbox) commits or
 * rolls back with the money. Not told of replays (the first booking was) nor of refusals (nothing
 * was booked). A failure here rolls the movement back.
 */
@FunctionalInterface
public interface BookingObserver {
    BookingObserver NONE = (tx, scope, movement, booking, walletsBefore) -> {
    };

    /**
     * @param walletsBefore the wallets the movement locked, as they were before it (their
     *                      balances after it are in the booking's ledger entries)
     */
    void booked(DSLContext tx, PartnerScope scope, Movement movement, Booking booking, Map<String, Wallet> walletsBefore);

    /** One booking, as {@link #bookedAll} is told of it. */
    record Booked(PartnerScope scope, Movement movement, Booking booking, Map<String, Wallet> walletsBefore) {
    }

    /**
     * Several bookings of one transaction, in the order they were booked: the same as being told
     * of each in turn (the default), which an observer that writes may do in fewer statements.
     */
    default void bookedAll(DSLContext tx, List<Booked> bookings) {
        bookings.forEach(b -> booked(tx, b.scope(), b.movement(), b.booking(), b.walletsBefore()));
    }

    /** Told of a movement answered from its idempotency key (a replay), which booked nothing new. Nothing by default. */
    default void replayed(PartnerScope scope, Movement movement) {
    }

    /** Both observers, this one first: a failure in either rolls the movement back. */
    default BookingObserver andThen(BookingObserver next) {
        BookingObserver first = this;
        return new BookingObserver() {
            @Override
            public void booked(DSLContext tx, PartnerScope scope, Movement movement, Booking booking, Map<String, Wallet> walletsBefore) {
                first.booked(tx, scope, movement, booking, walletsBefore);
                next.booked(tx, scope, movement, booking, walletsBefore);
            }

            @Override
            public void bookedAll(DSLContext tx, List<Booked> bookings) {
                first.bookedAll(tx, bookings);
                next.bookedAll(tx, bookings);
            }

            @Override
            public void replayed(PartnerScope scope, Movement movement) {
                first.replayed(scope, movement);
                next.replayed(scope, movement);
            }
        };
    }
}
