package dev.payflow.bench;

import com.google.gson.GsonBuilder;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The speed harness (BENCHMARKS.md). Starts the real service jar as a separate process on a real
 * PostgreSQL (the service's embedded one unless PAYFLOW_DATABASE_URL is set), seeds a partner and
 * funded wallets, and for every workload, transport and client count warms up, measures, and prints
 * a row beside the SQL-function baseline measured in the same run on the same database. Results are
 * also written as JSON. Settings are Java properties (see {@link Settings}).
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromProperties();
        String adminToken = "bench-admin-token-" + Long.toHexString(System.nanoTime()) + "0123456789abcdef";
        try (Service service = new Service(settings, adminToken)) {
            service.start();
            Database database = Database.of(settings, service);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", service.grpcPort).usePlaintext().build();
            try {
                String apiKey = onboard(channel, adminToken);
                List<String> walletIds = seedWallets(channel, apiKey, settings.wallets());
                Clients clients = new Clients(channel, service.httpPort, settings.restClient(), apiKey, walletIds, settings.batchSize());
                List<Row> rows = new ArrayList<>();
                Header header = new Header(Instant.now().toString(), Runtime.getRuntime().availableProcessors(), loadAverage(), settings.wallets(),
                        settings.warmupMs(), settings.measureMs(), Optional.ofNullable(System.getenv("PAYFLOW_GROUP_COMMIT_ENABLED")).orElse("true"),
                        database.url(), settings.restClient());
                System.out.printf("%nPayFlow speed harness: %s, %d cores, load average before %s, %d wallets, %d ms warm-up + %d ms per row, group commit %s,"
                        + " REST client %s%n", header.startedAt(), header.cores(), header.loadAverageBefore(), header.wallets(), header.warmupMs(),
                        header.measureMs(), header.groupCommit(), header.restClient());
                System.out.println("database: " + database.url());
                CpuMeter jdbcOnly = new CpuMeter(null, database);
                CpuMeter withService = new CpuMeter(service.pid(), database);
                Baseline baseline = new Baseline(database, settings);
                baseline.prepare();
                // The service's seeded tables, as on a database in use for more than a minute.
                database.analyzeServiceTables();
                Map<Integer, Double> baselineRates = new LinkedHashMap<>();
                System.out.println();
                System.out.println(Row.HEADING);
                for (int clientCount : settings.clients()) {
                    Row row = Driver.measure("baseline-sql-function", "jdbc", clientCount, settings, baseline::transferOnce, jdbcOnly, Double.NaN);
                    baselineRates.put(clientCount, row.opsPerSecond());
                    rows.add(row);
                    System.out.println(row.line());
                }
                for (int clientCount : settings.clients()) {
                    Row row = Driver.measure("ceiling-single-row-insert", "jdbc", clientCount, settings, baseline::insertOnce, jdbcOnly, Double.NaN);
                    rows.add(row);
                    System.out.println(row.line());
                }
                baseline.closeConnections();
                List<HealthProbe.Result> health = new ArrayList<>();
                for (String workload : settings.workloads()) {
                    for (String transport : settings.transports()) {
                        for (int clientCount : settings.clients()) {
                            Row row;
                            try (HealthProbe probe = new HealthProbe(service.managementPort)) {
                                row = Driver.measure(workload, transport, clientCount, settings, clients.operation(workload, transport),
                                        withService, baselineRates.getOrDefault(clientCount, Double.NaN), settings.transfersPerCall(workload),
                                        service::residentMib);
                                health.add(probe.result(workload, transport, clientCount));
                            }
                            rows.add(row);
                            System.out.println(row.line());
                        }
                    }
                }
                System.out.println();
                System.out.println("REST against gRPC, same workload and client count, in this run:");
                for (Row rest : rows) {
                    rows.stream().filter(grpc -> grpc.transport().equals("grpc") && rest.transport().equals("rest")
                            && grpc.workload().equals(rest.workload()) && grpc.clients() == rest.clients())
                            .forEach(grpc -> System.out.printf("%-26s %7d clients: REST %.0f/s / gRPC %.0f/s = %.2f%n", rest.workload(), rest.clients(),
                                    rest.opsPerSecond(), grpc.opsPerSecond(), rest.opsPerSecond() / grpc.opsPerSecond()));
                }
                System.out.println();
                System.out.println("The management port's /health while each row ran (every " + HealthProbe.INTERVAL_MS + " ms, warm-up included):");
                health.forEach(result -> System.out.println(result.line()));
                String books = database.checkBooks();
                System.out.println();
                System.out.println("books after the run: " + books);
                System.out.println("load average after: " + loadAverage());
                Path out = settings.out();
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
                        .toJson(Map.of("header", header, "rows", rows, "health", health, "books", books)));
                System.out.println("results written to " + out.toAbsolutePath());
                if (!books.startsWith("balanced")) {
                    System.exit(1);
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** What the JSON says about the run as a whole, so that two runs can be compared. */
    record Header(String startedAt, int cores, String loadAverageBefore, int wallets, long warmupMs, long measureMs, String groupCommit,
            String database, String restClient) {
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String onboard(ManagedChannel channel, String adminToken) {
        PartnerAdminServiceGrpc.PartnerAdminServiceBlockingStub admin = Clients.withBearer(PartnerAdminServiceGrpc.newBlockingStub(channel), adminToken);
        String partnerId = admin.createPartner(CreatePartnerRequest.newBuilder().setName("Bench").setCompanyName("Bench Inc")
                .setEmail("bench@bench.example").build()).getId();
        admin.updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder().setId(partnerId).setStatus(Partner.Status.approved)
                .setReason("bench").build());
        return admin.createApiKey(CreateApiKeyRequest.newBuilder().setReason("bench").setPartnerId(partnerId).setEnvironment(ApiKey.Environment.sandbox)
                .setName("bench").build()).getKey();
    }

    /** Creates and funds the wallets, sixteen at a time. */
    private static List<String> seedWallets(ManagedChannel channel, String apiKey, int count) throws Exception {
        WalletServiceGrpc.WalletServiceBlockingStub wallets = Clients.withBearer(WalletServiceGrpc.newBlockingStub(channel), apiKey);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                created.add(pool.submit(() -> {
                    String id = wallets.createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u" + n).setExternalWalletId("w" + n)
                            .setName("w" + n).setCurrency("USD").build()).getId();
                    wallets.creditWallet(CreditWalletRequest.newBuilder().setWalletId(id).setAmount("1000000.00").setCurrency("USD")
                            .setIdempotencyKey("fund-" + n).build());
                    return id;
                }));
            }
            String[] ids = new String[count];
            for (int i = 0; i < count; i++) {
                ids[i] = created.get(i).get();
            }
            return Arrays.asList(ids);
        } finally {
            pool.shutdownNow();
        }
    }
}
