package dev.payflow.core.config;

import java.util.Map;
import java.util.Optional;

/**
 * How long PayFlow keeps what (see README's configuration table). The minimums are what the
 * business promised (transaction records 7 years, audit records 10, wallet data while active plus
 * 3 years): a period can be configured longer, never shorter.
 *
 * @param walletYearsAfterClosing years after a wallet is closed before its personal data is redacted
 * @param transactionYears        years transaction records are kept at least (nothing deletes them yet)
 * @param auditYears              years audit records are kept at least (nothing deletes them yet)
 * @param intervalMs              how often this process runs the retention job; 0 runs none here
 */
public record RetentionConfig(int walletYearsAfterClosing, int transactionYears, int auditYears, long intervalMs) {
    public static final int WALLET_YEARS_MIN = 3;
    public static final int TRANSACTION_YEARS_MIN = 7;
    public static final int AUDIT_YEARS_MIN = 10;
    /** Hourly: redaction is due by the day, and each run is one indexed query when nothing is. */
    public static final long INTERVAL_MS_DEFAULT = 3_600_000;
    private static final int YEARS_MAX = 100;

    public static final RetentionConfig DEFAULTS = new RetentionConfig(WALLET_YEARS_MIN, TRANSACTION_YEARS_MIN, AUDIT_YEARS_MIN, INTERVAL_MS_DEFAULT);

    public RetentionConfig {
        requireYears("PAYFLOW_RETENTION_WALLET_YEARS", walletYearsAfterClosing, WALLET_YEARS_MIN);
        requireYears("PAYFLOW_RETENTION_TRANSACTION_YEARS", transactionYears, TRANSACTION_YEARS_MIN);
        requireYears("PAYFLOW_RETENTION_AUDIT_YEARS", auditYears, AUDIT_YEARS_MIN);
        if (intervalMs < 0 || intervalMs > 86_400_000L) {
            throw new PayflowConfig.ConfigException("PAYFLOW_RETENTION_INTERVAL_MS: " + intervalMs + " (expected: 0..86400000, 0 to run no retention job here)");
        }
    }

    public RetentionConfig withIntervalMs(long ms) {
        return new RetentionConfig(walletYearsAfterClosing, transactionYears, auditYears, ms);
    }

    private static void requireYears(String name, int years, int minimum) {
        if (years < minimum || years > YEARS_MAX) {
            throw new PayflowConfig.ConfigException(name + ": " + years + " (expected: " + minimum + ".." + YEARS_MAX
                    + "; the promised period can be lengthened, never shortened)");
        }
    }

    public static RetentionConfig fromEnvironment(Map<String, String> env) {
        return new RetentionConfig(
                (int) number(env, "PAYFLOW_RETENTION_WALLET_YEARS", WALLET_YEARS_MIN),
                (int) number(env, "PAYFLOW_RETENTION_TRANSACTION_YEARS", TRANSACTION_YEARS_MIN),
                (int) number(env, "PAYFLOW_RETENTION_AUDIT_YEARS", AUDIT_YEARS_MIN),
                number(env, "PAYFLOW_RETENTION_INTERVAL_MS", INTERVAL_MS_DEFAULT));
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        Optional<String> value = Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
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
