package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.CommonPools;
import dev.payflow.core.testing.TestServer;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The four listeners as production runs them: the admin API, the admin console's paths and the
 * API browser on a port of their own, never on the public REST port, and the public API never
 * on the admin port.
 */
class ListenersTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void withAnAdminPortTheAdminApiAndTheApiBrowserAreOnlyThereAndThePublicApiIsNot() throws Exception {
        try (TestServer payflow = TestServer.startWithAdminListener(true)) {
            int rest = payflow.server().httpPort();
            int admin = payflow.server().adminPort();
            assertThat(admin).isNotEqualTo(rest);
            String key = payflow.onboard(dev.payflow.proto.v1.Partner.Status.active).sandboxKey();

            assertThat(get(admin, "/api/admin/system/stats", TestServer.ADMIN_TOKEN).statusCode()).isEqualTo(200);
            HttpResponse<String> adminOnPublic = get(rest, "/api/admin/system/stats", TestServer.ADMIN_TOKEN);
            assertThat(adminOnPublic.statusCode()).isEqualTo(404);
            assertThat(adminOnPublic.body()).contains("ROUTE_NOT_FOUND");
            assertThat(get(rest, "/api/v1/wallets", key).statusCode()).isEqualTo(200);
            assertThat(get(admin, "/api/v1/wallets", key).statusCode()).isEqualTo(404);
            assertThat(get(admin, PayflowServer.DOC_SERVICE_PATH, null).statusCode()).as("the API browser on the admin port").isEqualTo(200);
            assertThat(get(rest, PayflowServer.DOC_SERVICE_PATH, null).statusCode()).as("and not on the public port").isEqualTo(404);
        }
    }

    @Test
    void theApiBrowserIsOffWhenNotEnabled() throws Exception {
        try (TestServer payflow = TestServer.startWithAdminListener(false)) {
            assertThat(get(payflow.server().adminPort(), PayflowServer.DOC_SERVICE_PATH, null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void readinessAndHealthAnswerOnTheManagementPortAndOversizedHeadersAreAMalformedRequestWithAStatusBody() throws Exception {
        try (TestServer payflow = TestServer.start()) {
            assertThat(get(payflow.server().managementPort(), "/ready", null).statusCode()).isEqualTo(200);
            assertThat(get(payflow.server().managementPort(), "/health", null).statusCode()).isEqualTo(200);

            HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().httpPort()
                    + "/api/v1/wallets")).header("X-Padding", "p".repeat(20_000)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());

            // INVALID_ARGUMENT maps to 400, as for every malformed request; the body says which limit.
            assertThat(huge.statusCode()).isEqualTo(400);
            assertThat(huge.body()).contains("MALFORMED_REQUEST").contains("request headers: too large (expected: at most 8192 bytes)");
            assertThat(huge.headers().firstValue("x-request-id")).isPresent();
        }
    }

    /**
     * Every event loop the API listeners share busy (as a saturated API keeps them): the management
     * port still answers, on an event loop of its own.
     */
    @Test
    void theManagementPortAnswersWhileEveryEventLoopOfTheApiListenersIsBusy() throws Exception {
        try (TestServer payflow = TestServer.start()) {
            int management = payflow.server().managementPort();
            assertThat(get(management, "/health", null).statusCode()).isEqualTo(200);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch busy = new CountDownLatch(count(CommonPools.workerGroup()));
            try {
                for (EventExecutor loop : CommonPools.workerGroup()) {
                    loop.execute(() -> {
                        busy.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                assertThat(busy.await(10, TimeUnit.SECONDS)).as("every shared event loop is held").isTrue();
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + management + "/health"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).contains("UP");
            } finally {
                release.countDown();
            }
            assertThat(get(payflow.server().httpPort(), "/api/v1/wallets", null).statusCode()).as("the API listeners answer again").isEqualTo(401);
        }
    }

    private static int count(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }

    private HttpResponse<String> get(int port, String path, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
