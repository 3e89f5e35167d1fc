package dev.payflow.core.domain;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A payment's lifecycle. Gateways answer twice and out of order, so a change is applied only if
 * it moves the payment forward: a failure that arrives after the success never takes money back,
 * and a final status never changes again (refunds aside).
 */
public enum PaymentStatus {
    PENDING,
    REQUIRES_ACTION,
    REQUIRES_CAPTURE,
    PROCESSING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    REFUNDED,
    PARTIALLY_REFUNDED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PaymentStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Whether the money has been captured (and so booked). */
    public boolean isCaptured() {
        return this == SUCCEEDED || this == REFUNDED || this == PARTIALLY_REFUNDED;
    }

    /** Whether the gateway's outcome is still open: recovery asks the gateway about these. */
    public boolean isUnsettled() {
        return this == PENDING || this == PROCESSING;
    }

    /** The statuses this one may still become. */
    public Set<PaymentStatus> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(REQUIRES_ACTION, REQUIRES_CAPTURE, PROCESSING, SUCCEEDED, FAILED, CANCELLED);
            case REQUIRES_ACTION -> EnumSet.of(REQUIRES_CAPTURE, PROCESSING, SUCCEEDED, FAILED, CANCELLED);
            case PROCESSING -> EnumSet.of(REQUIRES_ACTION, REQUIRES_CAPTURE, SUCCEEDED, FAILED, CANCELLED);
            case REQUIRES_CAPTURE -> EnumSet.of(PROCESSING, SUCCEEDED, FAILED, CANCELLED);
            case SUCCEEDED -> EnumSet.of(PARTIALLY_REFUNDED, REFUNDED);
            case PARTIALLY_REFUNDED -> EnumSet.of(PARTIALLY_REFUNDED, REFUNDED);
            case FAILED, CANCELLED, REFUNDED -> EnumSet.noneOf(PaymentStatus.class);
        };
    }

    public boolean canBecome(PaymentStatus next) {
        return next().contains(next);
    }
}
