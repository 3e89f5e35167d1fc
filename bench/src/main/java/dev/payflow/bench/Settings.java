package dev.payflow.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The harness's settings, as Java properties ({@code -Dbench.clients=16}); the database as the
 * service takes it, from PAYFLOW_DATABASE_URL / _USER / _PASSWORD (unset: the service's embedded one).
 */
record Settings(List<Integer> clients, int wallets, long warmupMs, long measureMs, List<String> workloads, List<String> transports,
        Path serviceJar, Path runDirectory, Path out, String databaseUrl, String databaseUser, String databasePassword, int batchSize,
        String restClient) {
    static final List<String> WORKLOADS = List.of("transfer-uniform", "transfer-hot", "credit-many", "read-mix", "transfer-batch");
    /** Transfers per BatchCreateTransfers call of {@code transfer-batch}: the "batches of e.g. 100". */
    static final int BATCH_SIZE_DEFAULT = 100;
    /** A cold service on a loaded 2-core machine starts in well under this. */
    static final long SERVICE_START_TIMEOUT_MS = 120_000;

    static Settings fromProperties() {
        String stamp = Long.toString(System.currentTimeMillis());
        return new Settings(
                Arrays.stream(System.getProperty("bench.clients", "1,4,16,64").split(",")).map(String::trim).map(Integer::parseInt).toList(),
                Integer.getInteger("bench.wallets", 10_000),
                Long.getLong("bench.warmupMs", 3_000),
                Long.getLong("bench.measureMs", 10_000),
                list(System.getProperty("bench.workloads", String.join(",", WORKLOADS))),
                list(System.getProperty("bench.transports", "grpc,rest")),
                Path.of(System.getProperty("bench.serviceJar", "core-service/target/payflow-core.jar")),
                Path.of(System.getProperty("bench.runDirectory", "bench/target/run-" + stamp)),
                Path.of(System.getProperty("bench.out", "bench/target/results-" + stamp + ".json")),
                System.getenv("PAYFLOW_DATABASE_URL"),
                System.getenv("PAYFLOW_DATABASE_USER"),
                System.getenv("PAYFLOW_DATABASE_PASSWORD"),
                Integer.getInteger("bench.batchSize", BATCH_SIZE_DEFAULT),
                restClient(System.getProperty("bench.restClient", "armeria")));
    }

    /** The REST workloads' HTTP client: {@code armeria} (the default) or {@code jdk}. */
    private static String restClient(String value) {
        if (!value.equals("armeria") && !value.equals("jdk")) {
            throw new IllegalArgumentException("bench.restClient: '" + value + "' (expected: armeria or jdk)");
        }
        return value;
    }

    private static List<String> list(String value) {
        List<String> items = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String item : items) {
            if (!WORKLOADS.contains(item) && !item.equals("grpc") && !item.equals("rest")) {
                throw new IllegalArgumentException("bench setting: '" + item + "' (expected: one of " + WORKLOADS + ", grpc or rest)");
            }
        }
        return items;
    }

    /** Transfers one call of the workload makes: the batch size for {@code transfer-batch}, else 1; its rows count transfers. */
    int transfersPerCall(String workload) {
        return workload.equals("transfer-batch") ? batchSize : 1;
    }
}
