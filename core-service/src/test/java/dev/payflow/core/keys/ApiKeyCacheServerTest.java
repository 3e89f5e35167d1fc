package dev.payflow.core.keys;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.config.WebhookConfig;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.core.webhook.UrlGuard;
import dev.payflow.proto.v1.ListApiKeysRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.RevokeApiKeyRequest;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key cache as the service runs it: two servers on one database, each with its listener, over gRPC. */
class ApiKeyCacheServerTest {
    private static final Duration DELIVERY_DEADLINE = Duration.ofSeconds(20);
    private static final Pattern HITS = Pattern.compile("(?m)^payflow_api_key_cache_total\\{outcome=\"hit\"} (\\S+)$");

    private static TestServer first;
    private static TestServer second;

    @BeforeAll
    static void start() {
        TestClock clock = TestClock.system();
        first = TestServer.startForWebhooks(clock, UrlGuard.HostResolver.SYSTEM, WebhookConfig.REQUEST_TIMEOUT_MS_MAX);
        second = TestServer.startOn(first.database(), clock, UrlGuard.HostResolver.SYSTEM, WebhookConfig.REQUEST_TIMEOUT_MS_MAX);
        awaitUntil(() -> first.server().apiKeyCache().isServing() && second.server().apiKeyCache().isServing(), "both servers listen");
    }

    @AfterAll
    static void stop() {
        second.close();
        first.close();
    }

    @Test
    void aKeyServedFromMemoryOnOneServerIsRefusedThereOnceAnotherServerRevokesIt() throws Exception {
        TestServer.PartnerKeys partner = first.onboard(Partner.Status.active);
        double hitsBefore = hits(second);
        second.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance());
        second.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance());
        assertThat(hits(second)).as("the second call is served from memory").isGreaterThan(hitsBefore);

        String keyId = first.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.partnerId()).build()).getApiKeysList()
                .stream().filter(key -> partner.sandboxKey().startsWith(key.getPrefix())).findFirst().orElseThrow().getId();
        first.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(keyId).build());

        assertGrpcError(() -> first.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        awaitUntil(() -> refused(second, partner.sandboxKey()), "the other server refuses the revoked key");
        assertGrpcError(() -> second.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
    }

    private static boolean refused(TestServer server, String key) {
        try {
            server.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance());
            return false;
        } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
        }
    }

    private static double hits(TestServer server) throws Exception {
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + server.server().managementPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher hits = HITS.matcher(scrape.body());
        assertThat(hits.find()).as("payflow_api_key_cache_total{outcome=\"hit\"} is exported").isTrue();
        return Double.parseDouble(hits.group(1));
    }

    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DELIVERY_DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited %s for: %s", DELIVERY_DEADLINE, what).isNegative();
            // Polls another thread's progress, not the clock.
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }
}
