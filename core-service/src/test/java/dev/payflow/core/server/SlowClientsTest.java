package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow clients cannot stall a port: with many connections that sent half a request (or headers
 * and a body that never comes) and stalled, a new client on a fresh connection still gets its
 * answer at once, on every listener.
 */
class SlowClientsTest {
    /** Stalled connections per port: far more than the old fixed pools had threads (2 for management, 64 for REST). */
    private static final int STALLED_CONNECTIONS = 100;
    /** "At once", with room for a machine shared by other builds. */
    private static final Duration PROMPTLY = Duration.ofSeconds(3);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static final List<Socket> stalled = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() throws IOException {
        for (Socket socket : stalled) {
            socket.close();
        }
        payflow.close();
    }

    @Test
    void halfARequestLineOnManyConnectionsDoesNotDelayAFreshRestCall() throws Exception {
        stall(payflow.server().httpPort(), "GET /api/v1/wall");

        HttpResponse<String> response = timed(() -> http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + payflow.server().httpPort() + "/api/v1/wallets"))
                .header("Authorization", "Bearer " + partner.sandboxKey()).timeout(PROMPTLY).build(),
                HttpResponse.BodyHandlers.ofString()));

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void headersWithABodyThatNeverComesDoNotDelayAFreshRestCall() throws Exception {
        stall(payflow.server().httpPort(), "POST /api/v1/wallets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\nAuthorization: Bearer " + partner.sandboxKey() + "\r\n\r\n{\"name\":");

        HttpResponse<String> response = timed(() -> http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + payflow.server().httpPort() + "/api/v1/wallets"))
                .header("Authorization", "Bearer " + partner.sandboxKey()).timeout(PROMPTLY).build(),
                HttpResponse.BodyHandlers.ofString()));

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void stalledConnectionsOnTheManagementPortDoNotDelayAHealthProbe() throws Exception {
        stall(payflow.server().managementPort(), "GET /hea");

        HttpResponse<String> health = timed(() -> http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + payflow.server().managementPort() + "/health")).timeout(PROMPTLY).build(),
                HttpResponse.BodyHandlers.ofString()));

        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void halfAnHttp2PrefaceOnTheGrpcPortDoesNotDelayAFreshGrpcCall() throws Exception {
        stall(payflow.server().grpcPort(), "PRI * HTTP/2.0\r\n");

        HealthCheckResponse health = timed(() -> HealthGrpc.newBlockingStub(payflow.channel())
                .withDeadlineAfter(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.getDefaultInstance()));

        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    /** Opens the connections, sends each the same beginning of a request, and leaves them open. */
    private static void stall(int port, String beginning) throws IOException {
        for (int i = 0; i < STALLED_CONNECTIONS; i++) {
            Socket socket = new Socket("localhost", port);
            OutputStream out = socket.getOutputStream();
            out.write(beginning.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            stalled.add(socket);
        }
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T timed(Call<T> call) throws Exception {
        long start = System.nanoTime();
        T result = call.call();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        return result;
    }
}
