package dev.payflow.core.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Group commit in the ledger engine (see docs/ledger.md, "Group commit"): concurrent movements
 * share one database transaction, each with its own key, rules and answer.
 *
 * @param enabled      PAYFLOW_GROUP_COMMIT_ENABLED: off books every movement in a transaction of its own (for comparison)
 * @param lanes        PAYFLOW_GROUP_COMMIT_LANES: batches in flight at once in this process, one database connection each
 * @param batchSizeMax PAYFLOW_GROUP_COMMIT_BATCH_SIZE_MAX: movements in one batch at most
 * @param windowMs     PAYFLOW_GROUP_COMMIT_WINDOW_MS: how long a lane waits for company after the first movement of a
 *                     batch; 0 (the default) takes only what is already waiting, so a lone request is never slowed
 */
public record GroupCommitConfig(boolean enabled, int lanes, int batchSizeMax, long windowMs) {
    /**
     * One per core on the 2-core machines this runs on. Measured with the speed harness
     * (BENCHMARKS.md, run 11 against run 9): two lanes made larger batches and beat four, most
     * where every transfer takes one wallet's lock (765 to 1,014 transfers a second at 16 clients).
     * More cores, or a database further away, may want more.
     */
    public static final int LANES_DEFAULT = 2;
    private static final int LANES_MAX = 64;
    /** A batch holds its wallets' locks until it commits: a hundred movements keep that under a few milliseconds. */
    public static final int BATCH_SIZE_MAX_DEFAULT = 100;
    private static final int BATCH_SIZE_MAX_MAX = 1_000;
    /** The bound: a few milliseconds at most, so waiting for company never costs a caller more than that. */
    private static final long WINDOW_MS_MAX = 5;

    public static final GroupCommitConfig OFF = new GroupCommitConfig(false, LANES_DEFAULT, BATCH_SIZE_MAX_DEFAULT, 0);

    public GroupCommitConfig {
        if (lanes < 1 || lanes > LANES_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_GROUP_COMMIT_LANES: " + lanes + " (expected: 1.." + LANES_MAX + ")");
        }
        if (batchSizeMax < 1 || batchSizeMax > BATCH_SIZE_MAX_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_GROUP_COMMIT_BATCH_SIZE_MAX: " + batchSizeMax + " (expected: 1.." + BATCH_SIZE_MAX_MAX + ")");
        }
        if (windowMs < 0 || windowMs > WINDOW_MS_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_GROUP_COMMIT_WINDOW_MS: " + windowMs + " (expected: 0.." + WINDOW_MS_MAX + ")");
        }
    }

    /** On, with the defaults: what the service runs unless told otherwise. */
    public static GroupCommitConfig defaults() {
        return new GroupCommitConfig(true, LANES_DEFAULT, BATCH_SIZE_MAX_DEFAULT, 0);
    }

    public static GroupCommitConfig fromEnvironment(Map<String, String> env) {
        return new GroupCommitConfig(
                bool(env, "PAYFLOW_GROUP_COMMIT_ENABLED", true),
                integer(env, "PAYFLOW_GROUP_COMMIT_LANES", LANES_DEFAULT),
                integer(env, "PAYFLOW_GROUP_COMMIT_BATCH_SIZE_MAX", BATCH_SIZE_MAX_DEFAULT),
                integer(env, "PAYFLOW_GROUP_COMMIT_WINDOW_MS", 0));
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        Optional<String> value = text(env, name);
        try {
            return value.isEmpty() ? fallback : Integer.parseInt(value.get());
        } catch (NumberFormatException e) {
            throw new PayflowConfig.ConfigException(name + ": '" + value.get() + "' (expected: an integer)");
        }
    }

    private static boolean bool(Map<String, String> env, String name, boolean fallback) {
        Optional<String> value = text(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new PayflowConfig.ConfigException(name + ": '" + value.get() + "' (expected: true or false)");
        };
    }
}
