package dev.payflow.core.domain;

import java.util.List;

/** A connected account's balance at its gateway: what can be paid out now, and what is not available yet, per currency. */
public record ConnectedAccountBalance(List<Amount> available, List<Amount> pending) {
    /** One currency's amount in minor units; {@code currency} an ISO code in upper case. */
    public record Amount(long amountMinor, String currency) {
    }

    public ConnectedAccountBalance {
        available = List.copyOf(available);
        pending = List.copyOf(pending);
    }

    public boolean isZero() {
        return available.stream().allMatch(a -> a.amountMinor() == 0) && pending.stream().allMatch(a -> a.amountMinor() == 0);
    }
}
