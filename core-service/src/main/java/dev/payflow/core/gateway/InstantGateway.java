package dev.payflow.core.gateway;

import dev.payflow.core.domain.Money;

/** A gateway that confirms funds at once, without I/O (the sandbox's simulated gateway). */
public interface InstantGateway extends PaymentGateway {
    /** The gateway's reference for the funds of our transaction; the same for the same transaction id. */
    String settle(String transactionId, Money amount);
}
