package dev.payflow.core.config;

import java.util.Map;
import java.util.Optional;

/**
 * Reconciliation with Stripe (see docs/reconciliation.md).
 *
 * @param intervalMs   how often this process looks for runs to do and for the daily run to start; 0 runs none here
 *                     (runs started through the API then wait for a replica that does)
 * @param daily        whether a run for the previous UTC day is started every day
 * @param dailyAfterMs how long after midnight UTC the previous day's run starts, so Stripe's objects of the day's
 *                     last seconds (and their balance transactions) are listed by then
 */
public record ReconciliationConfig(long intervalMs, boolean daily, long dailyAfterMs) {
    /** A minute: a run started through the API begins at once on this replica; this only picks up what others left. */
    public static final long INTERVAL_MS_DEFAULT = 60_000;
    /** An hour after midnight UTC. */
    public static final long DAILY_AFTER_MS_DEFAULT = 3_600_000;
    private static final long DAY_MS = 86_400_000L;

    public static final ReconciliationConfig DEFAULTS = new ReconciliationConfig(INTERVAL_MS_DEFAULT, true, DAILY_AFTER_MS_DEFAULT);

    public ReconciliationConfig {
        if (intervalMs < 0 || intervalMs > DAY_MS) {
            throw new PayflowConfig.ConfigException("PAYFLOW_RECONCILIATION_INTERVAL_MS: " + intervalMs
                    + " (expected: 0..86400000, 0 to run no reconciliation worker here)");
        }
        if (dailyAfterMs < 0 || dailyAfterMs >= DAY_MS) {
            throw new PayflowConfig.ConfigException("PAYFLOW_RECONCILIATION_DAILY_AFTER_MS: " + dailyAfterMs + " (expected: 0..86399999)");
        }
    }

    public ReconciliationConfig withIntervalMs(long ms) {
        return new ReconciliationConfig(ms, daily, dailyAfterMs);
    }

    public static ReconciliationConfig fromEnvironment(Map<String, String> env) {
        Optional<String> daily = text(env, "PAYFLOW_RECONCILIATION_DAILY");
        if (daily.isPresent() && !daily.get().equals("true") && !daily.get().equals("false")) {
            throw new PayflowConfig.ConfigException("PAYFLOW_RECONCILIATION_DAILY: '" + daily.get() + "' (expected: true or false)");
        }
        return new ReconciliationConfig(number(env, "PAYFLOW_RECONCILIATION_INTERVAL_MS", INTERVAL_MS_DEFAULT),
                daily.map(Boolean::parseBoolean).orElse(true), number(env, "PAYFLOW_RECONCILIATION_DAILY_AFTER_MS", DAILY_AFTER_MS_DEFAULT));
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        Optional<String> value = text(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new PayflowConfig.ConfigException(name + ": '" + value.get() + "' (expected: an integer)");
        }
    }
}
