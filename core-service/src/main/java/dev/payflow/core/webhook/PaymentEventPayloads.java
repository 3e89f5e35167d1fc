package dev.payflow.core.webhook;

import dev.payflow.core.domain.Dispute;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.Refund;
import java.util.List;

/**
 * Renders the {@code data} of the payment events as JSON, in the contract's messages
 * ({@code events.proto}), with {@code object} as the API returns the resource. The API layer
 * implements it, as it does {@link LedgerEventData}, so an event's object and a GET of the same
 * payment cannot drift apart.
 */
public interface PaymentEventPayloads {
    /** {@code payment.succeeded}, {@code payment.failed}, {@code payment.refunded}: the payment as it is now. */
    String payment(Payment payment, List<Refund> refunds);

    /** {@code refund.failed}: the refund as it is now. */
    String refund(Refund refund);

    /** {@code dispute.created}, {@code dispute.funds_withdrawn}, {@code dispute.closed}: the dispute as it is now, of this payment. */
    String dispute(Dispute dispute, Payment payment);
}
