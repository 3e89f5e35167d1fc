package dev.payflow.core.keys;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.protobuf.util.Timestamps;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.ListApiKeysRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.RevokeApiKeyRequest;
import dev.payflow.proto.v1.RollApiKeyRequest;
import dev.payflow.proto.v1.RollApiKeyResponse;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rolling an API key with a grace period, by an operator or by the key itself, and the x-api-key header. */
class ApiKeyRotationTest {
    private static final Metadata.Key<String> X_API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    private static TestClock clock;
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        clock = TestClock.system();
        payflow = TestServer.start(clock);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aRolledKeyWorksBesideItsSuccessorUntilItsExpiryThenOnlyTheSuccessorWorks() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String oldKeyId = keyIdOf(partner.partnerId(), partner.sandboxKey());

        RollApiKeyResponse rolled = payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId(oldKeyId).setExpiresInHours(2).build());

        String newKey = rolled.getApiKey().getKey();
        assertThat(newKey).startsWith("sk_test_");
        assertThat(rolled.getPreviousApiKey().getId()).isEqualTo(oldKeyId);
        assertThat(rolled.getPreviousApiKey().getExpiresAt())
                .isEqualTo(Timestamps.add(rolled.getApiKey().getCreatedAt(), com.google.protobuf.util.Durations.fromHours(2)));
        assertThat(lists(partner.sandboxKey())).isTrue();
        assertThat(lists(newKey)).isTrue();
        assertThat(payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.partnerId()).build()).getApiKeysList())
                .filteredOn(k -> k.getId().equals(oldKeyId) || k.getId().equals(rolled.getApiKey().getId()))
                .extracting(ApiKey::hasExpiresAt)
                .containsExactlyInAnyOrder(true, false);

        clock.advance(Duration.ofHours(2));

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertThat(lists(newKey)).isTrue();
    }

    @Test
    void theNewKeyKeepsTheOldKeysNameEnvironmentAndPermissions() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String narrow = payflow.issueKey(partner.partnerId(), ApiKey.Environment.production, "wallets:read");

        RollApiKeyResponse rolled = payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder()
                .setKeyId(keyIdOf(partner.partnerId(), narrow)).build());

        assertThat(rolled.getApiKey().getKey()).startsWith("sk_live_");
        assertThat(rolled.getApiKey().getName()).isEqualTo(rolled.getPreviousApiKey().getName());
        assertThat(rolled.getApiKey().getEnvironment()).isEqualTo(ApiKey.Environment.production);
        assertThat(rolled.getApiKey().getPermissionsList()).containsExactly("wallets:read");
        assertThat(rolled.getPreviousApiKey().getExpiresAt())
                .as("24 hours when expiresInHours is omitted")
                .isEqualTo(Timestamps.add(rolled.getApiKey().getCreatedAt(), com.google.protobuf.util.Durations.fromHours(24)));
    }

    @Test
    void zeroHoursStopsTheOldKeyAtOnce() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);

        TestServer.Rest rolled = payflow.rest("POST", "/api/admin/api-keys/" + keyIdOf(partner.partnerId(), partner.sandboxKey()) + "/roll",
                TestServer.ADMIN_TOKEN, "{\"expiresInHours\": 0}");

        assertThat(rolled.status()).isEqualTo(200);
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED, "INVALID_API_KEY");
        assertThat(lists(rolled.body().getAsJsonObject("apiKey").get("key").getAsString())).isTrue();
    }

    @Test
    void expiresInHoursOutsideZeroTo168IsInvalidAndChangesNothing() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String keyId = keyIdOf(partner.partnerId(), partner.sandboxKey());

        for (int hours : new int[] {-1, 169}) {
            assertGrpcError(() -> payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId(keyId).setExpiresInHours(hours).build()),
                    Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        }
        assertRestError(payflow.rest("POST", "/api/v1/api-keys/self/roll", partner.sandboxKey(), "{\"expiresInHours\": 169}"), 400,
                "INVALID_FIELD");
        assertThat(payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId(keyId).setExpiresInHours(168).build())
                .getPreviousApiKey().getId()).isEqualTo(keyId);
    }

    @Test
    void aRolledOrRevokedKeyCannotBeRolled() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String rolledId = keyIdOf(partner.partnerId(), partner.sandboxKey());
        payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId(rolledId).build());
        String revokedId = keyIdOf(partner.partnerId(), partner.productionKey());
        payflow.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setKeyId(revokedId).build());

        assertGrpcError(() -> payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId(rolledId).build()),
                Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        assertGrpcError(() -> payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId(revokedId).build()),
                Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        assertGrpcError(() -> payflow.admin().rollApiKey(RollApiKeyRequest.newBuilder().setKeyId("key_" + "0".repeat(26)).build()),
                Status.Code.NOT_FOUND, "API_KEY_NOT_FOUND");
        assertRestError(payflow.rest("POST", "/api/v1/api-keys/self/roll", partner.sandboxKey(), "{}"), 400, "INVALID_STATUS_TRANSITION");
    }

    @Test
    void aKeyWithoutPermissionsRollsItselfAndOnlyItself() {
        TestServer.PartnerKeys a = payflow.onboard(Partner.Status.active);
        TestServer.PartnerKeys b = payflow.onboard(Partner.Status.active);
        String bNarrow = payflow.issueKey(b.partnerId(), ApiKey.Environment.sandbox, "payments:read");
        String bNarrowId = keyIdOf(b.partnerId(), bNarrow);

        TestServer.Rest rolled = payflow.rest("POST", "/api/v1/api-keys/self/roll", bNarrow, "{\"expiresInHours\": 1}");

        assertThat(rolled.status()).isEqualTo(200);
        JsonObject previous = rolled.body().getAsJsonObject("previousApiKey");
        assertThat(previous.get("id").getAsString()).isEqualTo(bNarrowId);
        assertThat(previous.get("key").getAsString()).as("an old key is never shown").isEmpty();
        assertThat(previous.get("expiresAt").getAsString()).isNotEmpty();
        String successor = rolled.body().getAsJsonObject("apiKey").get("key").getAsString();
        assertThat(keyIdOf(b.partnerId(), successor)).isNotEqualTo(bNarrowId);
        assertThat(payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(a.partnerId()).build()).getApiKeysList())
                .as("partner A's keys are untouched").noneMatch(ApiKey::hasExpiresAt);
        assertThat(payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(b.partnerId()).build()).getApiKeysList())
                .as("of B's keys only the caller is rolled").filteredOn(ApiKey::hasExpiresAt).extracting(ApiKey::getId).containsExactly(bNarrowId);
        assertRestError(payflow.rest("POST", "/api/admin/api-keys/" + keyIdOf(a.partnerId(), a.sandboxKey()) + "/roll", b.sandboxKey(), "{}"),
                403, "ADMIN_CREDENTIALS_REQUIRED");
    }

    @Test
    void anXApiKeyHeaderIsAcceptedForPartnerKeysAndTheAdminTokenOverRestAndGrpc() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);

        assertThat(payflow.rest("GET", "/api/v1/wallets", null, null, Map.of("x-api-key", partner.sandboxKey())).status()).isEqualTo(200);
        assertThat(payflow.rest("GET", "/api/admin/partners/" + partner.partnerId() + "/api-keys", null, null,
                Map.of("x-api-key", TestServer.ADMIN_TOKEN)).status()).isEqualTo(200);
        assertThat(withApiKey(WalletServiceGrpc.newBlockingStub(payflow.channel()), partner.sandboxKey())
                .listWallets(ListWalletsRequest.getDefaultInstance()).getWalletsList()).isEmpty();
        assertThat(withApiKey(PartnerAdminServiceGrpc.newBlockingStub(payflow.channel()), TestServer.ADMIN_TOKEN)
                .listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partner.partnerId()).build()).getApiKeysCount()).isEqualTo(2);
        assertRestError(payflow.rest("GET", "/api/v1/wallets", null, null, Map.of("x-api-key", "sk_test_unknown")), 401, "INVALID_API_KEY");
    }

    private static <S extends io.grpc.stub.AbstractStub<S>> S withApiKey(S stub, String credential) {
        Metadata headers = new Metadata();
        headers.put(X_API_KEY, credential);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static boolean lists(String key) {
        payflow.wallets(key).listWallets(ListWalletsRequest.getDefaultInstance());
        return true;
    }

    /** The id of a partner's key, found by its display prefix. */
    private static String keyIdOf(String partnerId, String secret) {
        return payflow.admin().listApiKeys(ListApiKeysRequest.newBuilder().setPartnerId(partnerId).build()).getApiKeysList().stream()
                .filter(k -> secret.startsWith(k.getPrefix())).map(ApiKey::getId).findFirst().orElseThrow();
    }
}
