package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The management port's /metrics after real traffic (gRPC and REST, a replay, a key conflict, a
 * refused key): the meters the issue names are there with their labels, no partner id on any
 * histogram and no key or wallet id anywhere, and the whole output passes
 * {@code promtool check metrics}. The call log, captured from standard output, has one JSON
 * line per call and never the key.
 */
class MetricsTest {
    private static final PrintStream ORIGINAL_OUT = System.out;
    private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Wallet wallet;
    private static String scrape;

    @BeforeAll
    static void trafficThenScrape() throws Exception {
        // The call log writes to the System.out it finds at start: a tee that keeps a copy.
        System.setOut(new PrintStream(new Tee(ORIGINAL_OUT, CAPTURED), true, StandardCharsets.UTF_8));
        payflow = TestServer.startWithTraffic(TestServer.TRAFFIC.withCallLog(true), TestClock.system());
        partner = payflow.onboard(Partner.Status.active);
        wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "12.34", "USD");
        CreditWalletRequest credit = CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("1.00").setCurrency("USD")
                .setIdempotencyKey(TestServer.newIdempotencyKey()).build();
        payflow.wallets(partner.sandboxKey()).creditWallet(credit);
        payflow.wallets(partner.sandboxKey()).creditWallet(credit); // a replay
        try {
            payflow.wallets(partner.sandboxKey()).creditWallet(credit.toBuilder().setAmount("2.00").build()); // the key, other terms
            fail("a reused key with other terms was accepted");
        } catch (StatusRuntimeException expected) {
            // IDEMPOTENCY_KEY_REUSED, counted below
        }
        payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance());
        assertThat(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), null).status()).isEqualTo(200);
        assertThat(payflow.rest("GET", "/api/v1/wallets", "sk_test_not-a-real-key", null).status()).isEqualTo(401);
        scrape = get("/metrics");
        Files.writeString(Path.of("target/metrics-scrape.txt"), scrape); // to read when a test here fails
    }

    @AfterAll
    static void stop() {
        System.setOut(ORIGINAL_OUT);
        payflow.close();
    }

    @Test
    void grpcCallsHaveALatencyHistogramWithFixedBucketsByServiceMethodAndCode() {
        assertThat(scrape)
                .contains("payflow_grpc_server_calls_seconds_bucket{code=\"OK\",method=\"CreditWallet\",service=\"payflow.v1.WalletService\",le=\"0.005\"}")
                .contains("payflow_grpc_server_calls_seconds_bucket{code=\"OK\",method=\"CreditWallet\",service=\"payflow.v1.WalletService\",le=\"+Inf\"}")
                .contains("payflow_grpc_server_calls_seconds_count{code=\"UNAUTHENTICATED\",method=\"ListWallets\",service=\"payflow.v1.WalletService\"}");
        assertThat(metric("payflow_grpc_server_calls_seconds_count{code=\"OK\",method=\"CreditWallet\",service=\"payflow.v1.WalletService\"}"))
                .isEqualTo(3);
    }

    @Test
    void restRequestsAreTimedByRouteTemplateNeverByConcretePath() {
        assertThat(scrape).contains("payflow_rest_requests_seconds_bucket{listener=\"rest+admin\",method=\"GET\",route=\"/api/v1/wallets/:id\",status=\"200\"")
                .contains("payflow_rest_requests_seconds_count{listener=\"rest+admin\",method=\"GET\",route=\"/api/v1/wallets\",status=\"401\"}");
    }

    @Test
    void transactionsVolumeReplaysAndKeyConflictsAreCounted() {
        assertThat(metric("payflow_ledger_transactions_total{currency=\"USD\",status=\"completed\",type=\"credit\"}")).isEqualTo(2);
        assertThat(metric("payflow_ledger_volume_minor_units_total{currency=\"USD\"}")).isEqualTo(1334);
        assertThat(metric("payflow_ledger_replays_requests_total{operation=\"CreditWallet\"}")).isEqualTo(1);
        assertThat(metric("payflow_idempotency_conflicts_requests_total{reason=\"IDEMPOTENCY_KEY_REUSED\"}")).isEqualTo(1);
        assertThat(metric("payflow_auth_failures_total{reason=\"INVALID_API_KEY\"}")).isEqualTo(1);
    }

    @Test
    void poolProcessJvmAndDatabaseReachabilityAreExported() {
        assertThat(metric("payflow_database_reachable")).isEqualTo(1);
        assertThat(metric("payflow_ready")).isEqualTo(1);
        assertThat(scrape).contains("hikaricp_connections_active{pool=\"payflow\"}", "hikaricp_connections_pending{pool=\"payflow\"}",
                "hikaricp_connections_max{pool=\"payflow\"}", "process_cpu_usage", "process_uptime_seconds", "jvm_memory_used_bytes",
                "jvm_threads_live_threads", "jvm_gc_live_data_size_bytes", "process_files_open_files");
    }

    @Test
    void noHistogramCarriesAPartnerAndNoLineCarriesAKeyOrAWalletId() {
        List<String> lines = scrape.lines().filter(line -> !line.startsWith("#")).toList();
        assertThat(lines).filteredOn(line -> line.contains("_bucket{")).isNotEmpty().noneMatch(line -> line.contains(partner.partnerId()));
        assertThat(scrape).doesNotContain(partner.sandboxKey()).doesNotContain("sk_test_not-a-real-key").doesNotContain(wallet.getId());
    }

    @Test
    void everyMeterHasADescriptionAndTheOutputPassesPromtool() throws Exception {
        List<String> families = scrape.lines().filter(line -> line.startsWith("# TYPE ")).map(line -> line.split(" ")[2]).toList();
        List<String> described = scrape.lines().filter(line -> line.startsWith("# HELP ")).map(line -> line.split(" ")[2]).toList();
        assertThat(described).containsAll(families);
        assertThat(scrape.lines().filter(line -> line.startsWith("# HELP ")))
                .as("a HELP line that is only the name is a meter without a description")
                .noneMatch(line -> line.split(" ").length < 4);

        Path promtool = promtool();
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = check.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(said).as("promtool check metrics").isEmpty();
        assertThat(check.exitValue()).isZero();
    }

    @Test
    void everyCallWritesOneJsonLineWithItsPartnerAndStatusAndNeverTheKey() {
        String out = CAPTURED.toString(StandardCharsets.UTF_8);
        List<JsonObject> calls = out.lines().filter(line -> line.startsWith("{\"time\":")).map(line -> JsonParser.parseString(line).getAsJsonObject())
                .toList();
        assertThat(calls).filteredOn(call -> call.get("method").getAsString().equals("payflow.v1.WalletService/CreditWallet")).hasSize(4)
                .allSatisfy(call -> {
                    assertThat(call.get("partnerId").getAsString()).isEqualTo(partner.partnerId());
                    assertThat(call.get("mode").getAsString()).isEqualTo("sandbox");
                    assertThat(call.get("requestId").getAsString()).startsWith("req_");
                    assertThat(call.get("latencyMs").getAsDouble()).isPositive();
                    assertThat(call.keySet()).containsExactly("time", "requestId", "partnerId", "mode", "method", "status", "reason", "adminToken",
                            "latencyMs");
                    assertThat(call.get("adminToken").isJsonNull()).as("no admin token on a partner call").isTrue();
                })
                .extracting(call -> call.get("status").getAsString() + "/" + (call.get("reason").isJsonNull() ? "" : call.get("reason").getAsString()))
                .containsExactly("OK/", "OK/", "OK/", "INVALID_ARGUMENT/IDEMPOTENCY_KEY_REUSED");
        assertThat(calls).filteredOn(call -> call.get("method").getAsString().startsWith("payflow.v1.PartnerAdminService/"))
                .as("admin calls (the fixture's onboarding) name their admin token, a bare secret being 'default'")
                .isNotEmpty()
                .allSatisfy(call -> assertThat(call.get("adminToken").getAsString()).isEqualTo("default"));
        assertThat(calls).filteredOn(call -> call.get("status").getAsString().equals("UNAUTHENTICATED")).singleElement()
                .satisfies(call -> {
                    assertThat(call.get("reason").getAsString()).isEqualTo("INVALID_API_KEY");
                    assertThat(call.get("partnerId").isJsonNull()).isTrue();
                });
        assertThat(out).doesNotContain(partner.sandboxKey()).doesNotContain("sk_test_not-a-real-key");
    }

    /** $PROMTOOL, else promtool on PATH, else the one scripts/promtool.sh caches. Missing: fails in CI, skips elsewhere. */
    static Path promtool() {
        Optional<Path> found = Optional.ofNullable(System.getenv("PROMTOOL")).map(Path::of).filter(Files::isExecutable)
                .or(() -> Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).map(dir -> Path.of(dir, "promtool"))
                        .filter(Files::isExecutable).findFirst())
                .or(() -> Optional.of(Path.of(System.getProperty("user.home"), ".cache/payflow-tools/prometheus/usr/bin/promtool"))
                        .filter(Files::isExecutable));
        if (found.isEmpty()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("promtool is missing; CI fetches it with scripts/promtool.sh");
            }
            Assumptions.abort("promtool is not installed here (scripts/promtool.sh fetches it)");
        }
        return found.get();
    }

    private static double metric(String series) {
        return scrape.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + scrape.lines()
                        .filter(line -> line.startsWith(series.substring(0, Math.max(1, series.indexOf('{'))))).toList()));
    }

    private static String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + payflow.server().managementPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            synchronized (second) {
                second.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            synchronized (second) {
                second.write(b, off, len);
            }
        }
    }
}
