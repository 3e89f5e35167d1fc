package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failed authentication is limited per source address (here 50 a minute; every call of the tests
 * comes from 127.0.0.1), and a key the database did not know is refused again without a query.
 * The clock is frozen; each test starts with the address's allowance full again.
 */
class AuthGuardTest {
    private static final int FAILURES_PER_MINUTE = 50;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        payflow = TestServer.startWithTraffic(TestServer.TRAFFIC.withAuthFailuresPerMinute(FAILURES_PER_MINUTE),
                TestClock.frozenAt(Instant.parse("2026-03-01T10:00:00Z")));
        partner = payflow.onboard(Partner.Status.active);
    }

    @BeforeEach
    void refill() {
        payflow.clock().advance(Duration.ofMinutes(2));
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void anAddressThatFailedTooOftenIsRefusedEvenWithAValidKeyUntilItsAllowanceRefills() {
        for (int i = 0; i < FAILURES_PER_MINUTE; i++) {
            String guess = "sk_test_guess" + i;
            assertGrpcError(() -> list(guess), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        }

        assertGrpcError(() -> list("sk_test_one-more-guess"), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        assertGrpcError(() -> list(partner.sandboxKey()), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        assertGrpcError(() -> payflow.admin().listPartners(dev.payflow.proto.v1.ListPartnersRequest.getDefaultInstance()),
                Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");
        payflow.clock().advance(Duration.ofSeconds(60 / FAILURES_PER_MINUTE + 1));
        list(partner.sandboxKey());
    }

    @Test
    void callsWithAValidKeyNeverUseTheAllowance() {
        for (int i = 0; i < FAILURES_PER_MINUTE + 10; i++) {
            list(partner.sandboxKey());
        }
        assertGrpcError(() -> list("sk_test_still-allowed-to-fail"), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
    }

    @Test
    void anUnknownKeyCostsNoDatabaseQueryAfterTheFirst() throws Exception {
        String unknown = "sk_test_never-issued-0123456789";
        assertGrpcError(() -> list(unknown), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        double borrowedBefore = connectionsBorrowed();
        long started = System.nanoTime();

        for (int i = 0; i < 40; i++) {
            assertGrpcError(() -> list(unknown), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        }

        // 40 calls that each read the key would borrow 40 connections; the health check borrows
        // one a second (a loaded machine stretches the loop over several).
        long seconds = (System.nanoTime() - started) / 1_000_000_000L + 1;
        double borrowed = connectionsBorrowed() - borrowedBefore;
        assertThat(borrowed).isLessThanOrEqualTo(seconds + 2).isLessThan(40);
        assertThat(metrics()).contains("payflow_auth_failures_total{reason=\"INVALID_API_KEY\"}");
    }

    @Test
    void aRevokedKeyIsAnsweredAsAnUnknownOneFromTheCacheToo() {
        String key = payflow.issueKey(partner.partnerId(), dev.payflow.proto.v1.ApiKey.Environment.sandbox);
        list(key);
        String keyId = payflow.admin().listApiKeys(dev.payflow.proto.v1.ListApiKeysRequest.newBuilder().setPartnerId(partner.partnerId()).build())
                .getApiKeysList().stream().filter(k -> key.startsWith(k.getPrefix())).findFirst().orElseThrow().getId();
        payflow.admin().revokeApiKey(dev.payflow.proto.v1.RevokeApiKeyRequest.newBuilder().setKeyId(keyId).build());

        assertGrpcError(() -> list(key), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertGrpcError(() -> list(key), Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
    }

    private static void list(String key) {
        payflow.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance());
    }

    private static double connectionsBorrowed() throws Exception {
        String series = "hikaricp_connections_usage_seconds_count{pool=\"payflow\"} ";
        return metrics().lines().filter(line -> line.startsWith(series)).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length()).trim())).orElseThrow();
    }

    private static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().managementPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
