package dev.payflow.core.gateway;

import java.util.Optional;

/** Which gateway serves which mode: sandbox always the simulated one; live whatever is configured, if anything. */
public final class GatewayRegistry {
    private final PaymentGateway sandbox;
    private final Optional<PaymentGateway> live;

    public GatewayRegistry(PaymentGateway sandbox, Optional<PaymentGateway> live) {
        this.sandbox = sandbox;
        this.live = live;
    }

    /** Sandbox mode uses the simulated gateway; live mode has none until a real one (Stripe) is configured. */
    public static GatewayRegistry sandboxOnly() {
        return new GatewayRegistry(new SimulatedGateway(), Optional.empty());
    }

    public Optional<PaymentGateway> forMode(boolean livemode) {
        return livemode ? live : Optional.of(sandbox);
    }
}
