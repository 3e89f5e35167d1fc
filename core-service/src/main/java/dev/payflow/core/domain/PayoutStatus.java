package dev.payflow.core.domain;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A payout's lifecycle: {@code pending -> in_transit -> paid}, or {@code failed} / {@code
 * cancelled}, after which the money goes back to the wallet. Gateways answer twice and out of
 * order, so a change is applied only if this table allows it: nothing follows a final status,
 * except that a bank may still return a {@code paid} payout days later ({@code paid -> failed}).
 */
public enum PayoutStatus {
    PENDING,
    IN_TRANSIT,
    PAID,
    FAILED,
    CANCELLED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PayoutStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** The statuses this one may still become. */
    public Set<PayoutStatus> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(IN_TRANSIT, PAID, FAILED, CANCELLED);
            case IN_TRANSIT -> EnumSet.of(PAID, FAILED, CANCELLED);
            case PAID -> EnumSet.of(FAILED);
            case FAILED, CANCELLED -> EnumSet.noneOf(PayoutStatus.class);
        };
    }

    public boolean canBecome(PayoutStatus other) {
        return next().contains(other);
    }

    /** Failed or cancelled: the money is owed back to the wallet. */
    public boolean returnsMoney() {
        return this == FAILED || this == CANCELLED;
    }
}
