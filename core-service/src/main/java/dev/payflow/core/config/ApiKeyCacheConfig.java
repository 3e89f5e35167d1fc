package dev.payflow.core.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How authentication keeps what it read of a key in memory (see README's configuration table and
 * docs/api-keys.md): changes reach every replica through PostgreSQL's notifications, and the
 * maximum age is the backstop should one ever be lost.
 *
 * @param enabled  whether the cache is used ({@code PAYFLOW_API_KEY_CACHE_ENABLED}); off, every call reads the database
 * @param maxAgeMs how long an entry may serve calls at most ({@code PAYFLOW_API_KEY_CACHE_MAX_AGE_MS})
 */
public record ApiKeyCacheConfig(boolean enabled, long maxAgeMs) {
    /**
     * Five seconds: long enough that a busy key is read about once per interval rather than per
     * call, short enough that a change whose notification was lost still acts within seconds.
     */
    public static final long MAX_AGE_MS_DEFAULT = 5_000;
    /** A minute: beyond that a lost notification would leave a revoked key working for too long. */
    public static final long MAX_AGE_MS_MAX = 60_000;

    public static final ApiKeyCacheConfig DEFAULTS = new ApiKeyCacheConfig(true, MAX_AGE_MS_DEFAULT);
    public static final ApiKeyCacheConfig OFF = new ApiKeyCacheConfig(false, MAX_AGE_MS_DEFAULT);

    public ApiKeyCacheConfig {
        if (maxAgeMs < 1 || maxAgeMs > MAX_AGE_MS_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_API_KEY_CACHE_MAX_AGE_MS: " + maxAgeMs + " (expected: 1.." + MAX_AGE_MS_MAX
                    + "; PAYFLOW_API_KEY_CACHE_ENABLED=false turns the cache off)");
        }
    }

    public static ApiKeyCacheConfig fromEnvironment(Map<String, String> env) {
        boolean enabled = switch (text(env, "PAYFLOW_API_KEY_CACHE_ENABLED").orElse("true").toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new PayflowConfig.ConfigException("PAYFLOW_API_KEY_CACHE_ENABLED: '" + env.get("PAYFLOW_API_KEY_CACHE_ENABLED")
                    + "' (expected: true or false)");
        };
        Optional<String> maxAge = text(env, "PAYFLOW_API_KEY_CACHE_MAX_AGE_MS");
        long maxAgeMs = MAX_AGE_MS_DEFAULT;
        if (maxAge.isPresent()) {
            try {
                maxAgeMs = Long.parseLong(maxAge.get());
            } catch (NumberFormatException e) {
                throw new PayflowConfig.ConfigException("PAYFLOW_API_KEY_CACHE_MAX_AGE_MS: '" + maxAge.get() + "' (expected: an integer)");
            }
        }
        return new ApiKeyCacheConfig(enabled, maxAgeMs);
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }
}
