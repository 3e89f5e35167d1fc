package dev.payflow.core.gateway;

/**
 * Where outside money comes from. Gateways that do I/O (Stripe) are never called inside a database
 * transaction: the intent is recorded and committed first, the call made with an idempotency key
 * derived from our transaction id, the outcome recorded after. Only an {@link InstantGateway},
 * which does no I/O, may settle inside the transaction that books the credit.
 */
public interface PaymentGateway {
    /** The name recorded on transactions, e.g. {@code simulated} or {@code stripe}. */
    String name();
}
