package dev.payflow.core.gateway;

import java.util.Optional;

/** Which gateway serves which environment: sandbox always the simulated one; production whatever is configured, if anything. */
public final class GatewayRegistry {
    private final PaymentGateway sandbox;
    private final Optional<PaymentGateway> production;

    public GatewayRegistry(PaymentGateway sandbox, Optional<PaymentGateway> production) {
        this.sandbox = sandbox;
        this.production = production;
    }

    /** Sandbox uses the simulated gateway; production has none until a real one (Stripe) is configured. */
    public static GatewayRegistry sandboxOnly() {
        return new GatewayRegistry(new SimulatedGateway(), Optional.empty());
    }

    /** The gateway of production ({@code livemode} true) or sandbox. */
    public Optional<PaymentGateway> forLivemode(boolean livemode) {
        return livemode ? production : Optional.of(sandbox);
    }
}
