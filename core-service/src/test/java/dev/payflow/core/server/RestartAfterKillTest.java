package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher in a child JVM on the embedded PostgreSQL: killed with SIGKILL (which leaves
 * PostgreSQL running as an orphan), started again on the same data folder, everything still there;
 * stopped with SIGTERM, it exits cleanly and takes PostgreSQL with it.
 */
class RestartAfterKillTest {
    private static final String ADMIN_TOKEN = "restart-test-admin-token-0123456789abcdef";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private int httpPort;
    private int managementPort;

    @TempDir
    Path dataDir;

    @AfterEach
    void killLeftovers() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        stopPostgres(dataDir.resolve("postgres"));
    }

    @Test
    void walletsBalancesAndStatementsSurviveASigkillAndARestartOnTheSameDataFolder() throws Exception {
        start();
        JsonObject partner = call("POST", "/api/admin/partners", ADMIN_TOKEN,
                "{\"name\":\"Restart\",\"companyName\":\"Restart Inc\",\"email\":\"ops@restart.example\"}");
        String partnerId = partner.get("id").getAsString();
        call("PATCH", "/api/admin/partners/" + partnerId + "/status", ADMIN_TOKEN, "{\"status\":\"approved\",\"reason\":\"test\"}");
        String key = call("POST", "/api/admin/partners/" + partnerId + "/api-keys", ADMIN_TOKEN,
                "{\"environment\":\"sandbox\",\"name\":\"k\",\"reason\":\"test\"}").get("key").getAsString();
        String alice = call("POST", "/api/v1/wallets", key,
                "{\"externalUserId\":\"alice\",\"externalWalletId\":\"alice-main\",\"name\":\"Alice\",\"currency\":\"USD\"}").get("id").getAsString();
        String bob = call("POST", "/api/v1/wallets", key,
                "{\"externalUserId\":\"bob\",\"externalWalletId\":\"bob-main\",\"name\":\"Bob\",\"currency\":\"USD\"}").get("id").getAsString();
        call("POST", "/api/v1/wallets/" + alice + "/credit", key, "{\"amount\":\"120.00\",\"currency\":\"USD\",\"idempotencyKey\":\"c1\"}");
        JsonObject transfer = call("POST", "/api/v1/transfers", key,
                "{\"fromWalletId\":\"" + alice + "\",\"toWalletId\":\"" + bob + "\",\"amount\":\"45.50\",\"currency\":\"USD\",\"idempotencyKey\":\"t1\"}");
        String aliceStatement = call("GET", "/api/v1/wallets/" + alice + "/ledger-entries", key, null).toString();
        String bobWallet = call("GET", "/api/v1/wallets/" + bob, key, null).toString();

        long pid = process.pid();
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(ProcessHandle.of(pid)).isEmpty();
        assertThat(Files.exists(dataDir.resolve("postgres/postmaster.pid"))).as("PostgreSQL outlived the killed JVM").isTrue();

        start();
        assertThat(call("GET", "/api/v1/wallets/" + alice + "/ledger-entries", key, null).toString()).isEqualTo(aliceStatement);
        assertThat(call("GET", "/api/v1/wallets/" + bob, key, null).toString()).isEqualTo(bobWallet);
        assertThat(call("GET", "/api/v1/wallets/external/alice-main", key, null).get("balance").getAsString()).isEqualTo("74.50");
        // The retried transfer is answered from the books, not done twice.
        JsonObject retried = call("POST", "/api/v1/transfers", key,
                "{\"fromWalletId\":\"" + alice + "\",\"toWalletId\":\"" + bob + "\",\"amount\":\"45.50\",\"currency\":\"USD\",\"idempotencyKey\":\"t1\"}");
        assertThat(retried).isEqualTo(transfer);
        assertThat(call("GET", "/api/v1/wallets/" + bob + "/balance", key, null).get("balance").getAsString()).isEqualTo("45.50");
    }

    @Test
    void sigtermStopsTheServiceCleanlyAndStopsTheEmbeddedPostgres() throws Exception {
        start();
        Path pidFile = dataDir.resolve("postgres/postmaster.pid");
        long postgresPid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());

        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as("exit code after SIGTERM").isEqualTo(143);
        assertThat(Files.exists(pidFile)).as("postmaster.pid left behind").isFalse();
        // pg_ctl returns once the server has shut down; the exited process may take a moment to be reaped.
        ProcessHandle.of(postgresPid).ifPresent(postgres -> postgres.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        assertThat(ProcessHandle.of(postgresPid).map(ProcessHandle::isAlive).orElse(false)).as("PostgreSQL still running").isFalse();
    }

    private void start() throws Exception {
        httpPort = freePort();
        managementPort = freePort();
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.payflow.core.PayflowMain"));
        builder.environment().putAll(Map.of(
                "PAYFLOW_DATA_DIR", dataDir.toString(),
                "PAYFLOW_GRPC_PORT", Integer.toString(freePort()),
                "PAYFLOW_HTTP_PORT", Integer.toString(httpPort),
                "PAYFLOW_MANAGEMENT_PORT", Integer.toString(managementPort),
                "PAYFLOW_ADMIN_TOKEN", ADMIN_TOKEN));
        builder.environment().remove("PAYFLOW_DATABASE_URL");
        builder.redirectErrorStream(true).redirectOutput(dataDir.resolve("service.log").toFile());
        process = builder.start();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            assertThat(process.isAlive()).as("service died; see %s", dataDir.resolve("service.log")).isTrue();
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("service did not become healthy in " + START_TIMEOUT + ": " + Files.readString(dataDir.resolve("service.log")));
    }

    private JsonObject call(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                .header("Authorization", "Bearer " + bearer)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(200);
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Leaves no PostgreSQL behind if a test failed half-way. */
    private static void stopPostgres(Path postgresDir) throws IOException {
        Path pidFile = postgresDir.resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }
}
