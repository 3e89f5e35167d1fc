package dev.payflow.core.gateway;

import dev.payflow.core.domain.Money;

/**
 * The sandbox gateway: every credit settles at once. It does no I/O, so it may run inside the
 * database transaction that records the credit. Its references are derived from our transaction
 * id, so a replay always shows the same one.
 */
public final class SimulatedGateway implements InstantGateway {
    public static final String NAME = "simulated";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String settle(String transactionId, Money amount) {
        return "sim_" + transactionId.substring(transactionId.indexOf('_') + 1);
    }
}
