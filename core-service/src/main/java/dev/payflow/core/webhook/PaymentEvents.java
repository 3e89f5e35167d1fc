package dev.payflow.core.webhook;

import dev.payflow.core.domain.Dispute;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import dev.payflow.core.domain.Refund;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jooq.DSLContext;

/**
 * The partner events of payments and refunds, recorded through {@link PartnerEvents} inside the
 * transaction that changes the payment, so an event exists exactly when its change committed.
 * Which change is announced is decided here, from the payment before and after the change:
 *
 * <ul>
 *   <li>{@code payment.succeeded} when the money is captured for the first time (a refund that
 *       fails and puts a payment back to {@code succeeded} is announced as {@code refund.failed},
 *       not as a second success);
 *   <li>{@code payment.failed} when the payment fails;
 *   <li>{@code payment.refunded} each time its refunded amount grows (a second partial refund is
 *       announced too, although the status stays {@code partially_refunded}).
 * </ul>
 *
 * Disputes announce {@code dispute.created}, {@code dispute.funds_withdrawn} and
 * {@code dispute.closed} through {@link #disputeChanged}.
 *
 * The money itself is announced by the ledger's events ({@code wallet.funds_added},
 * {@code wallet.credited}, {@code wallet.debited}, {@code transaction.completed}) in the same
 * transaction.
 */
public final class PaymentEvents {
    /** Records nothing: for use cases built without an outbox (tests of other parts). */
    public static final PaymentEvents NONE = new PaymentEvents(null, null);

    private final PartnerEvents events;
    private final PaymentEventPayloads payloads;

    public PaymentEvents(PartnerEvents events, PaymentEventPayloads payloads) {
        this.events = events;
        this.payloads = payloads;
    }

    /** The event types a change from {@code before} to {@code after} announces, in the order they are recorded. */
    public static List<String> typesFor(Payment before, Payment after) {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        List<String> types = new ArrayList<>();
        if (after.status() == PaymentStatus.SUCCEEDED && !wasCaptured(before.status())) {
            types.add(EventTypes.PAYMENT_SUCCEEDED);
        }
        if (after.status() == PaymentStatus.FAILED && before.status() != PaymentStatus.FAILED) {
            types.add(EventTypes.PAYMENT_FAILED);
        }
        if (after.amountRefundedMinor() > before.amountRefundedMinor()) {
            types.add(EventTypes.PAYMENT_REFUNDED);
        }
        return types;
    }

    private static boolean wasCaptured(PaymentStatus status) {
        return status == PaymentStatus.SUCCEEDED || status == PaymentStatus.PARTIALLY_REFUNDED || status == PaymentStatus.REFUNDED;
    }

    /**
     * Records the events of a payment's change in {@code tx}, after the change is written.
     *
     * @param recorded the payment as recorded now (read only if an event is due: its status history included)
     * @param refunds  its refunds as recorded now (read only if an event is due)
     */
    public void paymentChanged(DSLContext tx, Payment before, Payment after, Supplier<Payment> recorded, Supplier<List<Refund>> refunds) {
        if (events == null) {
            return;
        }
        List<String> types = typesFor(before, after);
        if (types.isEmpty()) {
            return;
        }
        String data = payloads.payment(recorded.get(), refunds.get());
        events.recordAll(tx, after.scope(), types.stream().map(type -> new PartnerEvents.Draft(type, data)).toList());
    }

    /**
     * Records a dispute's events in {@code tx}, in the order given ({@code dispute.created},
     * {@code dispute.funds_withdrawn}, {@code dispute.closed}); the caller, which applies the
     * gateway's dispute event once, decides which it announces.
     */
    public void disputeChanged(DSLContext tx, List<String> types, Dispute dispute, Payment payment) {
        if (events == null) {
            return;
        }
        String data = payloads.dispute(dispute, payment);
        events.recordAll(tx, payment.scope(), types.stream().map(type -> new PartnerEvents.Draft(type, data)).toList());
    }

    /** Records {@code refund.failed} in {@code tx}: the gateway failed a refund that was booked (and is now reversed). */
    public void refundFailed(DSLContext tx, Refund refund) {
        if (events == null) {
            return;
        }
        events.record(tx, refund.scope(), EventTypes.REFUND_FAILED, payloads.refund(refund));
    }
}
