package dev.payflow.core.gateway;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The payout gateways by mode and name: a payout goes through the gateway that holds its connected account. */
public final class PayoutProviders {
    private final List<PayoutProvider> sandbox;
    private final List<PayoutProvider> production;

    public PayoutProviders(List<PayoutProvider> sandbox, List<PayoutProvider> production) {
        this.sandbox = List.copyOf(Objects.requireNonNull(sandbox, "sandbox"));
        this.production = List.copyOf(Objects.requireNonNull(production, "production"));
    }

    public Optional<PayoutProvider> of(boolean livemode, String name) {
        return (livemode ? production : sandbox).stream().filter(provider -> provider.name().equals(name)).findFirst();
    }
}
