package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keys issued with a rate limit of their own, below their partner's (the default here: 5 a
 * second, burst 5), on a frozen clock so every count is exact.
 */
class KeyRateLimitTest {
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
    void aKeyWithItsOwnLimitIsRefusedAtItWhileThePartnersOtherKeysGoOn() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        JsonObject batchKey = issue(partner.partnerId(), "{\"rateLimitPerSecond\":1,\"rateLimitBurst\":2}");
        String batch = batchKey.get("key").getAsString();
        assertThat(batchKey.get("rateLimitPerSecond").getAsInt()).isEqualTo(1);
        assertThat(batchKey.get("rateLimitBurst").getAsInt()).isEqualTo(2);

        list(batch);
        list(batch);
        com.google.rpc.Status refused = assertGrpcError(() -> list(batch), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");

        assertThat(refused.getMessage()).contains("this API key");
        list(partner.sandboxKey());
        list(partner.sandboxKey());
        list(partner.sandboxKey());
        payflow.clock().advance(Duration.ofSeconds(1));
        list(batch);
    }

    @Test
    void thePartnersLimitStillBoundsAKeyWhoseOwnIsHigher() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String generous = issue(partner.partnerId(), "{\"rateLimitPerSecond\":100}").get("key").getAsString();
        for (int i = 0; i < 5; i++) {
            list(generous);
        }

        com.google.rpc.Status refused = assertGrpcError(() -> list(generous), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");

        assertThat(refused.getMessage()).contains("this partner");
    }

    @Test
    void aCallThePartnersBucketRefusesCostsTheKeyNothing() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String limited = issue(partner.partnerId(), "{\"rateLimitPerSecond\":1,\"rateLimitBurst\":1}").get("key").getAsString();
        for (int i = 0; i < 5; i++) {
            list(partner.sandboxKey());
        }
        assertGrpcError(() -> list(limited), Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED");

        payflow.clock().advance(Duration.ofMillis(200)); // one partner token back, none more for the key
        list(limited);
    }

    @Test
    void theBurstDefaultsToTheRateAndBothAreShownInTheKeyListAndKeptWhenTheKeyIsRolled() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        JsonObject issued = issue(partner.partnerId(), "{\"rateLimitPerSecond\":3}");
        String id = issued.get("id").getAsString();

        JsonObject listed = keyInList(partner.partnerId(), id);
        assertThat(listed.get("rateLimitPerSecond").getAsInt()).isEqualTo(3);
        assertThat(listed.get("rateLimitBurst").getAsInt()).as("one second's worth").isEqualTo(3);
        TestServer.Rest rolled = payflow.rest("POST", "/api/admin/api-keys/" + id + "/roll", TestServer.ADMIN_TOKEN, "{}");
        assertThat(rolled.status()).as("%s", rolled.body()).isEqualTo(200);
        String successor = rolled.body().getAsJsonObject("apiKey").get("id").getAsString();
        assertThat(keyInList(partner.partnerId(), successor).get("rateLimitPerSecond").getAsInt()).isEqualTo(3);
        assertThat(partner.sandboxKey()).isNotBlank();
        assertThat(keyInList(partner.partnerId(), keyIdOf(partner.partnerId(), partner.sandboxKey())).has("rateLimitPerSecond"))
                .as("a key issued without one has none").isFalse();
    }

    @Test
    void aBurstWithoutARateOrALimitOutOfRangeIsRefusedAndNoKeyIsIssued() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        int before = payflow.rest("GET", "/api/admin/partners/" + partner.partnerId() + "/api-keys", TestServer.ADMIN_TOKEN, null)
                .body().getAsJsonArray("apiKeys").size();

        assertRestError(create(partner.partnerId(), "{\"rateLimitBurst\":3}"), 400, "INVALID_FIELD");
        assertRestError(create(partner.partnerId(), "{\"rateLimitPerSecond\":0}"), 400, "INVALID_FIELD");
        assertRestError(create(partner.partnerId(), "{\"rateLimitPerSecond\":1000001}"), 400, "INVALID_FIELD");

        assertThat(payflow.rest("GET", "/api/admin/partners/" + partner.partnerId() + "/api-keys", TestServer.ADMIN_TOKEN, null)
                .body().getAsJsonArray("apiKeys").size()).isEqualTo(before);
    }

    private static TestServer.Rest create(String partnerId, String limitsJson) {
        String body = "{\"environment\":\"sandbox\",\"name\":\"batch job\",\"reason\":\"nightly export\","
                + limitsJson.substring(1);
        return payflow.rest("POST", "/api/admin/partners/" + partnerId + "/api-keys", TestServer.ADMIN_TOKEN, body);
    }

    private static JsonObject issue(String partnerId, String limitsJson) {
        TestServer.Rest created = create(partnerId, limitsJson);
        assertThat(created.status()).as("%s", created.body()).isEqualTo(200);
        return created.body();
    }

    private static JsonObject keyInList(String partnerId, String keyId) {
        for (var key : payflow.rest("GET", "/api/admin/partners/" + partnerId + "/api-keys", TestServer.ADMIN_TOKEN, null)
                .body().getAsJsonArray("apiKeys")) {
            if (key.getAsJsonObject().get("id").getAsString().equals(keyId)) {
                return key.getAsJsonObject();
            }
        }
        throw new AssertionError("no key " + keyId);
    }

    private static String keyIdOf(String partnerId, String secret) {
        for (var key : payflow.rest("GET", "/api/admin/partners/" + partnerId + "/api-keys", TestServer.ADMIN_TOKEN, null)
                .body().getAsJsonArray("apiKeys")) {
            if (secret.startsWith(key.getAsJsonObject().get("prefix").getAsString())) {
                return key.getAsJsonObject().get("id").getAsString();
            }
        }
        throw new AssertionError("no key with the prefix of " + secret);
    }

    private static void list(String key) throws StatusRuntimeException {
        payflow.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance());
    }
}
