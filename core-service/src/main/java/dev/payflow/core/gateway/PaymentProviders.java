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

    /** Other providers a payment may name (PayPal), by mode: {@code true} live, {@code false} sandbox. */
    private final java.util.List<PaymentProvider> otherSandbox;
    private final java.util.List<PaymentProvider> otherProduction;

    public PaymentProviders(PaymentProvider sandbox, Optional<PaymentProvider> production) {
        this(sandbox, production, java.util.List.of(), java.util.List.of());
    }

    private PaymentProviders(PaymentProvider sandbox, Optional<PaymentProvider> production, java.util.List<PaymentProvider> otherSandbox,
            java.util.List<PaymentProvider> otherProduction) {
        this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
        this.production = Objects.requireNonNull(production, "production");
        this.otherSandbox = java.util.List.copyOf(otherSandbox);
        this.otherProduction = java.util.List.copyOf(otherProduction);
    }

    /**
     * These providers plus another one that payments may name (PayPal), in each mode where it is
     * configured. The first ones stay the default of their mode.
     */
    public PaymentProviders with(Optional<PaymentProvider> otherInSandbox, Optional<PaymentProvider> otherInProduction) {
        java.util.List<PaymentProvider> inSandbox = new java.util.ArrayList<>(otherSandbox);
        otherInSandbox.ifPresent(inSandbox::add);
        java.util.List<PaymentProvider> inProduction = new java.util.ArrayList<>(otherProduction);
        otherInProduction.ifPresent(inProduction::add);
        return new PaymentProviders(sandbox, production, inSandbox, inProduction);
    }

    /** The provider of this name in this mode, the default one or another, if it is configured there. */
    public Optional<PaymentProvider> named(boolean livemode, String name) {
        Objects.requireNonNull(name, "name");
        java.util.List<PaymentProvider> all = new java.util.ArrayList<>();
        forLivemode(livemode).ifPresent(all::add);
        all.addAll(livemode ? otherProduction : otherSandbox);
        return all.stream().filter(provider -> provider.name().equals(name)).findFirst();
    }

    /** These providers with every call timed and counted in {@code meters} ({@link MeteredPaymentProvider}). */
    public PaymentProviders metered(io.micrometer.core.instrument.MeterRegistry meters) {
        return new PaymentProviders(new MeteredPaymentProvider(sandbox, false, meters),
                production.map(provider -> new MeteredPaymentProvider(provider, true, meters)),
                otherSandbox.stream().<PaymentProvider>map(provider -> new MeteredPaymentProvider(provider, false, meters)).toList(),
                otherProduction.stream().<PaymentProvider>map(provider -> new MeteredPaymentProvider(provider, true, meters)).toList());
    }

    /** How long a payment of this provider may wait for its payer ({@link PaymentProvider#approvalWindow()}), if it is configured in a mode. */
    public Optional<java.time.Duration> approvalWindowOf(String name) {
        return named(false, name).or(() -> named(true, name)).map(PaymentProvider::approvalWindow);
    }

    public static PaymentProviders simulatedSandboxOnly() {
        return new PaymentProviders(new SimulatedPayments(), Optional.empty());
    }

    public Optional<PaymentProvider> forLivemode(boolean livemode) {
        return livemode ? production : Optional.of(sandbox);
    }
}
