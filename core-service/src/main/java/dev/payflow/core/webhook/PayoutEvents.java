package dev.payflow.core.webhook;

import dev.payflow.core.domain.Payout;
import dev.payflow.core.domain.PayoutStatus;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * The partner events of payouts, recorded through {@link PartnerEvents} inside the transaction
 * that changes the payout's status, so an event exists exactly when its change committed:
 * {@code payout.processed} when it is paid, {@code payout.failed} when the gateway or the bank
 * refused it (also after {@code payout.processed}, when a bank returns a paid payout), and
 * {@code payout.cancelled}.
 */
public final class PayoutEvents {
    /** Records nothing: for use cases built without an outbox (tests of other parts). */
    public static final PayoutEvents NONE = new PayoutEvents(null, null);

    public static final String PROCESSED = "payout.processed";
    public static final String FAILED = "payout.failed";
    public static final String CANCELLED = "payout.cancelled";

    private final PartnerEvents events;
    private final PayoutEventPayloads payloads;

    public PayoutEvents(PartnerEvents events, PayoutEventPayloads payloads) {
        this.events = events;
        this.payloads = payloads;
    }

    /** Announces a change of status that a partner acts on; other changes (pending to in_transit) are seen on the payout. */
    public void statusChanged(DSLContext tx, PayoutStatus before, Payout after) {
        if (events == null || before == after.status()) {
            return;
        }
        Optional<String> type = switch (after.status()) {
            case PAID -> Optional.of(PROCESSED);
            case FAILED -> Optional.of(FAILED);
            case CANCELLED -> Optional.of(CANCELLED);
            case PENDING, IN_TRANSIT -> Optional.empty();
        };
        type.ifPresent(t -> events.record(tx, after.scope(), t, payloads.payout(after)));
    }
}
