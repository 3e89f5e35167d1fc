package dev.payflow.core.gateway;

import java.util.Objects;
import java.util.Optional;

/**
 * Which payment provider serves which mode: sandbox Stripe's test mode when a test key is
 * configured, else the simulated gateway; production Stripe's live mode when a live key is
 * configured, else none (GATEWAY_NOT_CONFIGURED, never a simulated success).
 */
public final class PaymentProviders {
    private final PaymentProvider sandbox;
    private final Optional<PaymentProvider> production;

    public PaymentProviders(PaymentProvider sandbox, Optional<PaymentProvider> production) {
        this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
        this.production = Objects.requireNonNull(production, "production");
    }

    public static PaymentProviders simulatedSandboxOnly() {
        return new PaymentProviders(new SimulatedPayments(), Optional.empty());
    }

    public Optional<PaymentProvider> forLivemode(boolean livemode) {
        return livemode ? production : Optional.of(sandbox);
    }
}
