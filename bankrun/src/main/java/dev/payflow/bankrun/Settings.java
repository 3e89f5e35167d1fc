package dev.payflow.bankrun;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;

/**
 * What a bank run does, read from Java properties ({@code -Dbankrun.*}) and the service's own
 * environment variables. A profile sets the defaults ({@code short} for CI, {@code long} for the
 * documented run); every property overrides its profile.
 */
record Settings(
        long seed,
        String profile,
        int operations,
        int kills,
        int postgresRestarts,
        int clients,
        int walletsPerCurrency,
        int hotWalletsPerCurrency,
        int hotSharePercent,
        int maxAttempts,
        long callDeadlineMs,
        Path serviceJar,
        Path runDirectory,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        String postgresRestartCommand) {

    /** Two currencies with different minor units, so an amount formatted for the wrong one shows. */
    static final String[] CURRENCIES = {"USD", "JPY"};
    /** How long a started service may take to answer /health before the run is abandoned; start-up under contention takes seconds. */
    static final long SERVICE_START_TIMEOUT_MS = 120_000;
    /** How long the run may make no progress at all before it is abandoned as stuck. */
    static final long STALL_TIMEOUT_MS = 180_000;

    Settings {
        Objects.requireNonNull(databaseUrl, "databaseUrl");
        if (operations < 100) {
            throw new IllegalArgumentException("bankrun.operations: " + operations + " (expected: at least 100)");
        }
        if (clients < 1 || clients > 256) {
            throw new IllegalArgumentException("bankrun.clients: " + clients + " (expected: 1..256)");
        }
        if (walletsPerCurrency < 2 * hotWalletsPerCurrency || hotWalletsPerCurrency < 1) {
            throw new IllegalArgumentException("bankrun.wallets: " + walletsPerCurrency + " per currency, " + hotWalletsPerCurrency
                    + " hot (expected: at least two cold wallets per hot one)");
        }
        if (hotSharePercent < 0 || hotSharePercent > 100) {
            throw new IllegalArgumentException("bankrun.hotSharePercent: " + hotSharePercent + " (expected: 0..100)");
        }
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("bankrun.maxAttempts: " + maxAttempts + " (expected: 1..100)");
        }
    }

    static Settings fromSystem() {
        String profile = System.getProperty("bankrun.profile", "short");
        boolean longRun = switch (profile) {
            case "short" -> false;
            case "long" -> true;
            default -> throw new IllegalArgumentException("bankrun.profile: " + profile + " (expected: short or long)");
        };
        long seed = Long.getLong("bankrun.seed", new SecureRandom().nextLong() & Long.MAX_VALUE);
        Map<String, String> env = System.getenv();
        String databaseUrl = env.get("PAYFLOW_DATABASE_URL");
        if (databaseUrl == null || databaseUrl.isBlank()) {
            throw new IllegalArgumentException("PAYFLOW_DATABASE_URL is not set (expected: the JDBC URL of a PostgreSQL the run may fill, "
                    + "e.g. jdbc:postgresql://localhost:5432/payflow_bankrun; scripts/bankrun.sh sets one up)");
        }
        return new Settings(
                seed,
                profile,
                Integer.getInteger("bankrun.operations", longRun ? 100_000 : 3_000),
                Integer.getInteger("bankrun.kills", longRun ? 12 : 3),
                Integer.getInteger("bankrun.postgresRestarts", longRun ? 2 : 1),
                Integer.getInteger("bankrun.clients", 16),
                Integer.getInteger("bankrun.walletsPerCurrency", 150),
                Integer.getInteger("bankrun.hotWalletsPerCurrency", 3),
                Integer.getInteger("bankrun.hotSharePercent", 60),
                Integer.getInteger("bankrun.maxAttempts", 8),
                Long.getLong("bankrun.callDeadlineMs", 10_000),
                Path.of(System.getProperty("bankrun.jar", "core-service/target/payflow-core.jar")),
                Path.of(System.getProperty("bankrun.runDirectory", "bankrun/target/run-" + seed)),
                databaseUrl,
                env.get("PAYFLOW_DATABASE_USER"),
                env.get("PAYFLOW_DATABASE_PASSWORD"),
                System.getProperty("bankrun.postgresRestartCommand",
                        // pg_ctlcluster can report a failed start of a server that is up: what counts is that it answers.
                        "pg_ctlcluster 15 main restart -m immediate; pg_isready -q -t 30 -p 5432"));
    }
}
