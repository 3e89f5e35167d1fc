package dev.payflow.core.domain;

import java.util.OptionalInt;

/**
 * What an operator sets per partner.
 *
 * @param platformFeeBasisPoints the platform's fee on a payment routed to a connected account, 0..10000 (1000 = 10 %)
 * @param rateLimitPerSecond requests per second the partner may make per mode; empty: the configured default
 * @param rateLimitBurst how many requests the partner may make at once above that rate; empty: the configured default
 */
public record PartnerSettings(int platformFeeBasisPoints, OptionalInt rateLimitPerSecond, OptionalInt rateLimitBurst) {
    public static final int PLATFORM_FEE_BASIS_POINTS_DEFAULT = 1000;
    public static final int PLATFORM_FEE_BASIS_POINTS_MAX = 10_000;
    /** Far above what one primary can commit; a guard against typing mistakes, not a capacity. */
    public static final int RATE_LIMIT_MAX = 1_000_000;

    public static final PartnerSettings DEFAULTS = new PartnerSettings(PLATFORM_FEE_BASIS_POINTS_DEFAULT, OptionalInt.empty(),
            OptionalInt.empty());

    public PartnerSettings {
        if (platformFeeBasisPoints < 0 || platformFeeBasisPoints > PLATFORM_FEE_BASIS_POINTS_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "platformFeeBasisPoints: %d (expected: 0..%d)",
                    platformFeeBasisPoints, PLATFORM_FEE_BASIS_POINTS_MAX);
        }
        requireRate(rateLimitPerSecond, "rateLimitPerSecond");
        requireRate(rateLimitBurst, "rateLimitBurst");
    }

    private static void requireRate(OptionalInt value, String field) {
        if (value.isPresent() && (value.getAsInt() < 1 || value.getAsInt() > RATE_LIMIT_MAX)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: %d (expected: 1..%d)", field, value.getAsInt(), RATE_LIMIT_MAX);
        }
    }
}
