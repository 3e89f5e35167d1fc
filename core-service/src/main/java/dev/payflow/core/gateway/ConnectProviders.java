package dev.payflow.core.gateway;

import java.util.Objects;
import java.util.Optional;

/** The connected-account gateway of each mode: sandbox always has one (Stripe's test mode, or simulated); production only with a live key. */
public record ConnectProviders(ConnectProvider sandbox, Optional<ConnectProvider> production) {
    public ConnectProviders {
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(production, "production");
    }

    public Optional<ConnectProvider> of(boolean livemode) {
        return livemode ? production : Optional.of(sandbox);
    }
}
