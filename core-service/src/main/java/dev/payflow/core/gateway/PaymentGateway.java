package dev.payflow.core.gateway;

import dev.payflow.core.domain.Money;

/**
 * Where outside money comes from. A gateway either confirms funds within the call, with no I/O
 * (the simulated gateway of sandbox mode), or later through its webhooks (Stripe). Gateways that
 * do I/O are never called inside a database transaction: the intent is recorded and committed
 * first, the call made with an idempotency key derived from our transaction id, the outcome
 * recorded after.
 */
public interface PaymentGateway {
    /** The name recorded on transactions, e.g. {@code simulated} or {@code stripe}. */
    String name();

    /**
     * Confirms funds for a credit synchronously, with no I/O, returning the gateway's reference.
     * Only gateways that settle at once support it.
     */
    String settleImmediately(String transactionId, Money amount);
}
