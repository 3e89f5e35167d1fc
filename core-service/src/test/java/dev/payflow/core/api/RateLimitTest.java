package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-partner, per-mode token buckets on a frozen clock: the default of 5 a second with a burst
 * of 5, an operator's own limit on a partner, RETRY info over gRPC and {@code Retry-After} over
 * REST. The clock only moves when a test moves it, so every count here is exact.
 */
class RateLimitTest {
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        payflow = TestServer.startWithTraffic(TestServer.TRAFFIC.withRateLimit(5, 5), TestClock.frozenAt(Instant.parse("2026-03-01T10:00:00Z")));
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aPartnerPastItsBurstIsRefusedRateLimitedWithRetryInfoUntilItsBucketRefills() throws Exception {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        for (int i = 0; i < 5; i++) {
            list(partner.sandboxKey());
        }

        com.google.rpc.Status refused = assertGrpcError(() -> list(partner.sandboxKey()), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");

        com.google.protobuf.Duration delay = retryInfo(refused).getRetryDelay();
        assertThat(Duration.ofSeconds(delay.getSeconds(), delay.getNanos())).as("one token at 5 a second").isEqualTo(Duration.ofMillis(200));
        payflow.clock().advance(Duration.ofMillis(200));
        list(partner.sandboxKey());
        assertGrpcError(() -> list(partner.sandboxKey()), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        assertThat(metrics()).contains("payflow_rate_limit_rejections_requests_total{mode=\"sandbox\",partner=\"" + partner.partnerId() + "\"} 2.0");
    }

    @Test
    void anotherPartnerAndTheSamePartnersOtherModeHaveBucketsOfTheirOwn() {
        TestServer.PartnerKeys storming = payflow.onboard(Partner.Status.active);
        TestServer.PartnerKeys other = payflow.onboard(Partner.Status.active);
        for (int i = 0; i < 5; i++) {
            list(storming.sandboxKey());
        }
        assertGrpcError(() -> list(storming.sandboxKey()), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");

        for (int i = 0; i < 5; i++) {
            list(other.sandboxKey());
            list(storming.productionKey());
        }
    }

    @Test
    void overRestTheRefusalIs429WithRetryAfterInWholeSeconds() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        for (int i = 0; i < 5; i++) {
            assertThat(payflow.rest("GET", "/api/v1/wallets", partner.sandboxKey(), null).status()).isEqualTo(200);
        }

        TestServer.Rest refused = payflow.rest("GET", "/api/v1/wallets", partner.sandboxKey(), null);

        assertRestError(refused, 429, "RATE_LIMITED");
        assertThat(refused.headers().firstValue("retry-after")).as("200 ms, rounded up").contains("1");
        assertThat(refused.body().toString()).contains("google.rpc.RetryInfo").contains("\"retryDelay\":\"0.200s\"");
    }

    @Test
    void anOperatorsLimitOnThePartnerReplacesTheDefaultOnEveryReplicaWithinTheRefreshTime() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        list(partner.sandboxKey()); // the bucket exists, with the default
        assertThat(payflow.rest("PATCH", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN,
                "{\"rateLimitPerSecond\":1,\"rateLimitBurst\":2}").status()).isEqualTo(200);

        payflow.clock().advance(PartnerRateLimiter.SETTINGS_REFRESH);

        list(partner.sandboxKey());
        list(partner.sandboxKey());
        assertGrpcError(() -> list(partner.sandboxKey()), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        payflow.clock().advance(Duration.ofSeconds(1));
        list(partner.sandboxKey());
    }

    @Test
    void aPartnersOwnBurstAppliesFromItsFirstCall() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        assertThat(payflow.rest("PATCH", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN,
                "{\"rateLimitPerSecond\":50,\"rateLimitBurst\":8}").status()).isEqualTo(200);

        for (int i = 0; i < 8; i++) {
            list(partner.sandboxKey());
        }
        com.google.rpc.Status refused = assertGrpcError(() -> list(partner.sandboxKey()), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        assertThat(retryInfo(refused).getRetryDelay().getNanos()).as("one token at 50 a second").isEqualTo(20_000_000);
    }

    @Test
    void operatorCallsAreNotPartnerLimited() {
        for (int i = 0; i < 12; i++) {
            assertThat(payflow.rest("GET", "/api/admin/partners", TestServer.ADMIN_TOKEN, null).status()).isEqualTo(200);
        }
    }

    @Test
    void theKeyListShowsEachKeysRequestCountAndLastUseOnceTheyAreFlushed() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        for (int i = 0; i < 3; i++) {
            list(partner.sandboxKey());
        }
        payflow.server().keyUsage().flush();
        payflow.clock().advance(Duration.ofSeconds(30));
        list(partner.sandboxKey());
        list(partner.sandboxKey());
        Instant lastUse = payflow.clock().instant();
        payflow.server().keyUsage().flush();

        java.util.List<dev.payflow.proto.v1.ApiKey> keys = payflow.admin().listApiKeys(dev.payflow.proto.v1.ListApiKeysRequest.newBuilder()
                .setPartnerId(partner.partnerId()).build()).getApiKeysList();
        dev.payflow.proto.v1.ApiKey sandbox = keys.stream().filter(k -> partner.sandboxKey().startsWith(k.getPrefix())).findFirst().orElseThrow();
        dev.payflow.proto.v1.ApiKey production = keys.stream().filter(k -> partner.productionKey().startsWith(k.getPrefix())).findFirst().orElseThrow();
        assertThat(sandbox.getRequestCount()).isEqualTo(5);
        assertThat(Instant.ofEpochSecond(sandbox.getLastUsedAt().getSeconds(), sandbox.getLastUsedAt().getNanos())).isEqualTo(lastUse);
        assertThat(production.getRequestCount()).isZero();
        assertThat(production.hasLastUsedAt()).isFalse();
        TestServer.Rest overRest = payflow.rest("GET", "/api/admin/partners/" + partner.partnerId() + "/api-keys", TestServer.ADMIN_TOKEN, null);
        assertThat(overRest.body().toString()).contains("\"requestCount\":\"5\"");
    }

    private static void list(String key) {
        payflow.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance());
    }

    private static RetryInfo retryInfo(com.google.rpc.Status status) {
        return status.getDetailsList().stream().filter(detail -> detail.is(RetryInfo.class)).findFirst().map(detail -> {
            try {
                return detail.unpack(RetryInfo.class);
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).orElseThrow(() -> new AssertionError("no RetryInfo in " + status));
    }

    static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().managementPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
