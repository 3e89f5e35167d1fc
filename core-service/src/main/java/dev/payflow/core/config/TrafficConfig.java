package dev.payflow.core.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How the API treats its traffic (see README's configuration table): the call log and the limits.
 *
 * @param callLog               one JSON line per call on standard output ({@code PAYFLOW_CALL_LOG=json}, the default) or none ({@code off})
 * @param rateLimitPerSecond    requests per second a partner may make per mode, unless an operator set its own (UpdatePartner)
 * @param rateLimitBurst        how many requests a partner may make at once, unless an operator set its own
 * @param replicas              how many core-service replicas share those limits: each enforces its share locally
 * @param authFailuresPerMinute failed authentications one source address may make per minute (also its burst)
 */
public record TrafficConfig(boolean callLog, int rateLimitPerSecond, int rateLimitBurst, int replicas, int authFailuresPerMinute) {
    public static final int RATE_LIMIT_PER_SECOND_DEFAULT = 100;
    public static final int RATE_LIMIT_BURST_DEFAULT = 200;
    public static final int AUTH_FAILURES_PER_MINUTE_DEFAULT = 30;
    private static final int RATE_LIMIT_MAX = 1_000_000;
    private static final int REPLICAS_MAX = 1_000;

    public TrafficConfig {
        requireWithin("PAYFLOW_RATE_LIMIT_PER_SECOND", rateLimitPerSecond, RATE_LIMIT_MAX);
        requireWithin("PAYFLOW_RATE_LIMIT_BURST", rateLimitBurst, RATE_LIMIT_MAX);
        requireWithin("PAYFLOW_RATE_LIMIT_REPLICAS", replicas, REPLICAS_MAX);
        requireWithin("PAYFLOW_AUTH_FAILURES_PER_MINUTE", authFailuresPerMinute, RATE_LIMIT_MAX);
    }

    public static TrafficConfig defaults() {
        return new TrafficConfig(true, RATE_LIMIT_PER_SECOND_DEFAULT, RATE_LIMIT_BURST_DEFAULT, 1, AUTH_FAILURES_PER_MINUTE_DEFAULT);
    }

    public TrafficConfig withCallLog(boolean on) {
        return new TrafficConfig(on, rateLimitPerSecond, rateLimitBurst, replicas, authFailuresPerMinute);
    }

    public TrafficConfig withRateLimit(int perSecond, int burst) {
        return new TrafficConfig(callLog, perSecond, burst, replicas, authFailuresPerMinute);
    }

    public TrafficConfig withReplicas(int count) {
        return new TrafficConfig(callLog, rateLimitPerSecond, rateLimitBurst, count, authFailuresPerMinute);
    }

    public TrafficConfig withAuthFailuresPerMinute(int perMinute) {
        return new TrafficConfig(callLog, rateLimitPerSecond, rateLimitBurst, replicas, perMinute);
    }

    public static TrafficConfig fromEnvironment(Map<String, String> env) {
        boolean callLog = switch (text(env, "PAYFLOW_CALL_LOG").orElse("json").toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "off" -> false;
            default -> throw new PayflowConfig.ConfigException("PAYFLOW_CALL_LOG: '" + env.get("PAYFLOW_CALL_LOG") + "' (expected: json or off)");
        };
        return new TrafficConfig(callLog,
                number(env, "PAYFLOW_RATE_LIMIT_PER_SECOND", RATE_LIMIT_PER_SECOND_DEFAULT),
                number(env, "PAYFLOW_RATE_LIMIT_BURST", RATE_LIMIT_BURST_DEFAULT),
                number(env, "PAYFLOW_RATE_LIMIT_REPLICAS", 1),
                number(env, "PAYFLOW_AUTH_FAILURES_PER_MINUTE", AUTH_FAILURES_PER_MINUTE_DEFAULT));
    }

    private static void requireWithin(String name, int value, int max) {
        if (value < 1 || value > max) {
            throw new PayflowConfig.ConfigException(name + ": " + value + " (expected: 1.." + max + ")");
        }
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static int number(Map<String, String> env, String name, int fallback) {
        Optional<String> value = text(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.get());
        } catch (NumberFormatException e) {
            throw new PayflowConfig.ConfigException(name + ": '" + value.get() + "' (expected: an integer)");
        }
    }
}
