package dev.payflow.core.bench;

import dev.payflow.core.config.PayflowConfig;
import dev.payflow.core.persistence.EmbeddedDatabase;
import dev.payflow.core.server.PayflowServer;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Throughput and latency of money movement through the real service (gRPC and REST, the access
 * interceptor, PostgreSQL with fsync on), printed as a table. Not a test: run it with
 * {@code scripts/bench.sh}. Each scenario runs a warm-up, then a fixed time, with CLIENTS threads.
 *
 * <p>"credit, 1,000 wallets" against "credit, 1 wallet" is the hot-account check: every credit of
 * the partner posts to the same gateway-clearing account, so if that account were a lock the two
 * would run at the same speed.
 */
public final class MoneyMovementBenchmark {
    private static final int CLIENTS = Integer.getInteger("bench.clients", 16);
    private static final int WALLETS = 1_000;
    private static final long WARMUP_MS = Long.getLong("bench.warmupMs", 3_000);
    private static final long MEASURE_MS = Long.getLong("bench.measureMs", 10_000);

    private MoneyMovementBenchmark() {
    }

    interface Operation {
        void run(int client) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Files.createTempDirectory("payflow-bench");
        // -Dbench.fsync=false shows what the disk's fsync costs; the default is the service's own setting.
        boolean fsync = Boolean.parseBoolean(System.getProperty("bench.fsync", "true"));
        EmbeddedDatabase postgres = EmbeddedDatabase.start(dataDir.resolve("postgres"), fsync);
        PayflowConfig config = new PayflowConfig(PayflowConfig.DeploymentEnvironment.DEVELOPMENT, 0, 0, 0,
                Optional.of(postgres.jdbcUrl("postgres")), Optional.of(postgres.user()), Optional.empty(), dataDir,
                Optional.of(TestServer.ADMIN_TOKEN), Integer.getInteger("bench.poolSize", 16), PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT,
                1_000L, java.util.OptionalInt.empty(), false);
        try (postgres; PayflowServer server = PayflowServer.start(config)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.grpcPort()).usePlaintext().build();
            PartnerAdminServiceGrpc.PartnerAdminServiceBlockingStub admin = TestServer.withBearer(PartnerAdminServiceGrpc.newBlockingStub(channel), TestServer.ADMIN_TOKEN);
            String partnerId = admin.createPartner(CreatePartnerRequest.newBuilder().setName("Bench").setCompanyName("Bench Inc")
                    .setEmail("bench@bench.example").build()).getId();
            admin.updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder().setId(partnerId).setStatus(Partner.Status.approved).setReason("bench").build());
            String key = admin.createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partnerId).setEnvironment(ApiKey.Environment.sandbox)
                    .setName("bench").build()).getKey();
            WalletServiceGrpc.WalletServiceBlockingStub wallets = TestServer.withBearer(WalletServiceGrpc.newBlockingStub(channel), key);
            TransferServiceGrpc.TransferServiceBlockingStub transfers = TestServer.withBearer(TransferServiceGrpc.newBlockingStub(channel), key);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < WALLETS; i++) {
                String id = wallets.createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u" + i).setExternalWalletId("w" + i)
                        .setName("w" + i).setCurrency("USD").build()).getId();
                wallets.creditWallet(CreditWalletRequest.newBuilder().setWalletId(id).setAmount("1000000.00").setCurrency("USD")
                        .setIdempotencyKey("fund-" + i).build());
                ids.add(id);
            }
            HttpClient http = HttpClient.newHttpClient();
            String replayKey = "replayed-" + UUID.randomUUID();
            wallets.creditWallet(CreditWalletRequest.newBuilder().setWalletId(ids.get(0)).setAmount("1.00").setCurrency("USD")
                    .setIdempotencyKey(replayKey).build());

            System.out.printf("%nPayFlow money-movement benchmark: %d client threads, %d s per scenario after %d s warm-up, %d cores, embedded PostgreSQL (fsync %s)%n%n",
                    CLIENTS, MEASURE_MS / 1000, WARMUP_MS / 1000, Runtime.getRuntime().availableProcessors(), fsync ? "on" : "off");
            System.out.printf("%-34s %10s %9s %9s %9s %8s%n", "scenario", "ops/s", "p50 ms", "p95 ms", "p99 ms", "errors");

            run("credit (gRPC), 1,000 wallets", client -> wallets.creditWallet(credit(ids.get(ThreadLocalRandom.current().nextInt(WALLETS)))));
            run("credit (gRPC), 1 wallet", client -> wallets.creditWallet(credit(ids.get(0))));
            double grpcTransfers = run("transfer (gRPC), 1,000 wallets", client -> {
                int from = ThreadLocalRandom.current().nextInt(WALLETS);
                int to = (from + 1 + ThreadLocalRandom.current().nextInt(WALLETS - 1)) % WALLETS;
                transfers.createTransfer(CreateTransferRequest.newBuilder().setFromWalletId(ids.get(from)).setToWalletId(ids.get(to))
                        .setAmount("0.01").setCurrency("USD").setIdempotencyKey(UUID.randomUUID().toString()).build());
            });
            HealthProbe probe = new HealthProbe(URI.create("http://localhost:" + server.managementPort() + "/health"));
            double restTransfers = run("transfer (REST), 1,000 wallets", client -> {
                int from = ThreadLocalRandom.current().nextInt(WALLETS);
                int to = (from + 1 + ThreadLocalRandom.current().nextInt(WALLETS - 1)) % WALLETS;
                String body = "{\"fromWalletId\":\"" + ids.get(from) + "\",\"toWalletId\":\"" + ids.get(to)
                        + "\",\"amount\":\"0.01\",\"currency\":\"USD\",\"idempotencyKey\":\"" + UUID.randomUUID() + "\"}";
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.httpPort()
                                + "/api/v1/transfers"))
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException(response.body());
                }
            }, probe);
            if (grpcTransfers > 0 && restTransfers > 0) {
                System.out.printf("%nREST / gRPC transfers: %.2f%n", restTransfers / grpcTransfers);
                System.out.printf("management /health while REST was saturated: %s%n%n", probe.summary());
            }
            run("credit (REST), 1,000 wallets", client -> {
                String body = "{\"amount\":\"0.01\",\"currency\":\"USD\",\"idempotencyKey\":\"" + UUID.randomUUID() + "\"}";
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.httpPort()
                                + "/api/v1/wallets/" + ids.get(ThreadLocalRandom.current().nextInt(WALLETS)) + "/credit"))
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException(response.body());
                }
            });
            run("replayed credit (gRPC), same key", client -> wallets.creditWallet(CreditWalletRequest.newBuilder().setWalletId(ids.get(0))
                    .setAmount("1.00").setCurrency("USD").setIdempotencyKey(replayKey).build()));
            run("get wallet (gRPC)", client -> wallets.getWallet(GetWalletRequest.newBuilder().setId(ids.get(ThreadLocalRandom.current().nextInt(WALLETS))).build()));
            channel.shutdownNow();
        }
    }

    private static CreditWalletRequest credit(String walletId) {
        return CreditWalletRequest.newBuilder().setWalletId(walletId).setAmount("0.01").setCurrency("USD")
                .setIdempotencyKey(UUID.randomUUID().toString()).build();
    }

    private static double run(String name, Operation operation) throws InterruptedException {
        return run(name, operation, null);
    }

    /** Runs the scenario and returns its operations per second (0 when skipped); the probe runs during the measurement. */
    private static double run(String name, Operation operation, HealthProbe probe) throws InterruptedException {
        // -Dbench.only=<text> runs only the scenarios whose name contains it.
        if (!name.contains(System.getProperty("bench.only", ""))) {
            return 0;
        }
        drive(operation, WARMUP_MS, null);
        List<long[]> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        if (probe != null) {
            probe.start();
        }
        long ops = drive(operation, MEASURE_MS, new Result(latencies, errors));
        if (probe != null) {
            probe.stop();
        }
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).filter(v -> v > 0).sorted().toArray();
        double perSecond = ops * 1000.0 / MEASURE_MS;
        System.out.printf("%-34s %10.0f %9.2f %9.2f %9.2f %8d%n", name, perSecond,
                percentile(all, 50), percentile(all, 95), percentile(all, 99), errors.get());
        return perSecond;
    }

    /** GETs the management port's /health every 20 ms on a connection of its own and records how long each answer took. */
    private static final class HealthProbe {
        private static final long INTERVAL_MS = 20;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final URI health;
        private final List<Long> nanos = new ArrayList<>();
        private final AtomicLong failures = new AtomicLong();
        private volatile boolean running;
        private Thread thread;

        HealthProbe(URI health) {
            this.health = health;
        }

        void start() {
            running = true;
            thread = new Thread(() -> {
                while (running) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() != 200) {
                            failures.incrementAndGet();
                        }
                        synchronized (nanos) {
                            nanos.add(System.nanoTime() - start);
                        }
                        Thread.sleep(INTERVAL_MS);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            }, "health-probe");
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        String summary() {
            long[] sorted;
            synchronized (nanos) {
                sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            return String.format("%d probes, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d failed", sorted.length,
                    percentile(sorted, 50), percentile(sorted, 99), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1_000_000.0,
                    failures.get());
        }
    }

    private record Result(List<long[]> latencies, AtomicLong errors) {
    }

    private static long drive(Operation operation, long durationMs, Result result) throws InterruptedException {
        long end = System.nanoTime() + durationMs * 1_000_000;
        AtomicLong done = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        IntFunction<long[]> buffer = i -> new long[1 << 20];
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            long[] mine = buffer.apply(c);
            if (result != null) {
                synchronized (result.latencies()) {
                    result.latencies().add(mine);
                }
            }
            Thread thread = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        operation.run(client);
                        if (n < mine.length) {
                            mine[n++] = System.nanoTime() - start;
                        }
                        done.incrementAndGet();
                    } catch (StatusRuntimeException | IllegalStateException e) {
                        if (result != null) {
                            result.errors().incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return done.get();
    }

    private static double percentile(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, index)] / 1_000_000.0;
    }
}
