package dev.payflow.core.domain;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * An API key's own rate limit, on top of its partner's: a token bucket of {@code burst} tokens
 * refilled {@code perSecond} a second. A call needs a token from both buckets, so the lower limit
 * wins.
 */
public record KeyRateLimit(int perSecond, int burst) {
    public KeyRateLimit {
        require(perSecond, "rateLimitPerSecond");
        require(burst, "rateLimitBurst");
    }

    /**
     * From CreateApiKey's optional fields: none without a rate; the burst defaults to one second's
     * worth of the rate; a burst without a rate is a mistake.
     */
    public static Optional<KeyRateLimit> of(OptionalInt perSecond, OptionalInt burst) {
        if (perSecond.isEmpty()) {
            if (burst.isPresent()) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "rateLimitBurst: only with rateLimitPerSecond");
            }
            return Optional.empty();
        }
        return Optional.of(new KeyRateLimit(perSecond.getAsInt(), burst.orElse(perSecond.getAsInt())));
    }

    private static void require(int value, String field) {
        if (value < 1 || value > PartnerSettings.RATE_LIMIT_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: %d (expected: 1..%d)", field, value, PartnerSettings.RATE_LIMIT_MAX);
        }
    }
}
