package dev.payflow.core.ledger;

import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Wallet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import org.jooq.DSLContext;

/**
 * The ledger's business meters, told of each booking by the engine: transactions by type, status
 * and currency ({@code payflow.ledger.transactions}), money moved by currency in minor units
 * ({@code payflow.ledger.volume}), and idempotent replays by operation
 * ({@code payflow.ledger.replays}). No partner, wallet or key is ever a tag.
 *
 * <p>Counted inside the booking's transaction, as the observer is called: a movement whose commit
 * then fails (rare: the connection drops at commit) is counted once too often. Counters are for
 * rates and alerts; the books are the ledger.
 */
public final class LedgerMeters implements BookingObserver {
    private final MeterRegistry meters;

    public LedgerMeters(MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public void booked(DSLContext tx, PartnerScope scope, Movement movement, Booking booking, Map<String, Wallet> walletsBefore) {
        booking.transaction().ifPresent(this::count);
    }

    @Override
    public void replayed(PartnerScope scope, Movement movement) {
        Counter.builder("payflow.ledger.replays").description("Movements answered from their idempotency key instead of booked again")
                .baseUnit("requests").tag("operation", movement.operation()).register(meters).increment();
    }

    private void count(LedgerTransaction transaction) {
        String currency = transaction.amount().currency().code();
        Counter.builder("payflow.ledger.transactions").description("Ledger transactions booked, by type, status and currency")
                .baseUnit("transactions").tag("type", transaction.type().wireName()).tag("status", transaction.status().wireName())
                .tag("currency", currency).register(meters).increment();
        Counter.builder("payflow.ledger.volume").description("Money booked, in the currency's minor units (cents for USD)")
                .baseUnit("minor_units").tag("currency", currency).register(meters).increment(transaction.amount().minorUnits());
    }
}
