package dev.payflow.core.webhook;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.GetWebhookEndpointRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PutWebhookEndpointRequest;
import dev.payflow.proto.v1.RollWebhookSecretRequest;
import dev.payflow.proto.v1.WebhookEndpoint;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The partner's endpoint per mode over both doors: defaults, the secret shown once and stored sealed, roll, rules, admin, onboarding. */
class WebhookEndpointApiTest {
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        // partner.example is public; rebind.example is a name that resolves to 127.0.0.1.
        UrlGuard.HostResolver resolver = host -> switch (host) {
            case "partner.example" -> List.of(InetAddress.getByName("93.184.216.34"));
            case "rebind.example" -> List.of(InetAddress.getByName("127.0.0.1"));
            case "localhost" -> List.of(InetAddress.getLoopbackAddress());
            default -> throw new UnknownHostException(host);
        };
        payflow = TestServer.startForWebhooks(TestClock.system(), resolver, 15_000);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void theFirstPutAnswersWithTheSecretOnceAndOmittedFieldsTakeTheirDefaults() throws Exception {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        assertGrpcError(() -> payflow.webhooks(partner.sandboxKey()).getWebhookEndpoint(GetWebhookEndpointRequest.getDefaultInstance()),
                Status.Code.NOT_FOUND, "WEBHOOK_ENDPOINT_NOT_FOUND");

        TestServer.Rest put = payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(), "{\"url\":\"http://localhost:9/hooks\"}");
        assertThat(put.status()).isEqualTo(200);
        JsonObject created = put.body();
        String secret = created.get("secret").getAsString();
        assertThat(secret).startsWith("whsec_");
        assertThat(created.get("secretPrefix").getAsString()).isEqualTo(secret.substring(0, 12));
        assertThat(created.get("enabled").getAsBoolean()).isTrue();
        assertThat(created.getAsJsonArray("eventTypes")).isEmpty();
        assertThat(created.get("status").getAsString()).isEqualTo("active");
        assertThat(created.get("livemode").getAsBoolean()).isFalse();

        TestServer.Rest read = payflow.rest("GET", "/api/v1/webhook-endpoint", partner.sandboxKey(), null);
        assertThat(read.body().get("secret").getAsString()).as("shown once").isEmpty();
        assertThat(read.body().get("secretPrefix").getAsString()).isEqualTo(created.get("secretPrefix").getAsString());

        TestServer.Rest again = payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(),
                "{\"url\":\"http://localhost:9/v2\",\"eventTypes\":[\"wallet.credited\"],\"enabled\":false}");
        assertThat(again.body().get("secret").getAsString()).isEmpty();
        assertThat(again.body().get("enabled").getAsBoolean()).isFalse();
        assertThat(again.body().getAsJsonArray("eventTypes").get(0).getAsString()).isEqualTo("wallet.credited");
        TestServer.Rest reset = payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(), "{\"url\":\"http://localhost:9/v2\"}");
        assertThat(reset.body().get("enabled").getAsBoolean()).as("a PUT that omits enabled sets it to its default").isTrue();
        assertThat(reset.body().getAsJsonArray("eventTypes")).isEmpty();

        // Stored sealed: the column holds neither the secret nor its base64 part.
        byte[] stored = storedCiphertext(partner.partnerId());
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(secret).doesNotContain(secret.substring(6));
    }

    @Test
    void eachModeHasItsOwnEndpointAndLiveModeRefusesWhatSandboxMayUse() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        payflow.webhooks(partner.sandboxKey()).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder().setUrl("http://localhost:9/h").build());
        assertGrpcError(() -> payflow.webhooks(partner.productionKey()).getWebhookEndpoint(GetWebhookEndpointRequest.getDefaultInstance()),
                Status.Code.NOT_FOUND, "WEBHOOK_ENDPOINT_NOT_FOUND");

        TestServer.Rest loopback = payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.productionKey(),
                "{\"url\":\"https://rebind.example/hooks\"}");
        assertRestError(loopback, 400, "WEBHOOK_URL_NOT_ALLOWED");
        assertThat(loopback.body().get("message").getAsString()).contains("rebind.example resolves to 127.0.0.1, a loopback address");
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.productionKey(), "{\"url\":\"http://partner.example/h\"}"),
                400, "WEBHOOK_URL_NOT_ALLOWED");
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(), "{\"url\":\"https://169.254.169.254/latest\"}"),
                400, "WEBHOOK_URL_NOT_ALLOWED");

        WebhookEndpoint live = payflow.webhooks(partner.productionKey()).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder()
                .setUrl("https://partner.example/hooks").build());
        assertThat(live.getLivemode()).isTrue();
        assertThat(live.getSecret()).startsWith("whsec_");
    }

    @Test
    void refusalsComeInOrderUrlThenTypesThenTheAddressRules() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(), "{}"), 400, "MISSING_FIELD");
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(), "{\"url\":\"ftp://partner.example/\"}"), 400,
                "INVALID_FIELD");
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(),
                "{\"url\":\"https://10.0.0.1/\",\"eventTypes\":[\"wallet.exploded\"]}"), 400, "INVALID_FIELD");
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(),
                "{\"url\":\"https://10.0.0.1/\",\"eventTypes\":[\"payout.processed\"]}"), 400, "WEBHOOK_URL_NOT_ALLOWED");
    }

    @Test
    void rollingIssuesANewSecretShownOnceAndKeepsTheOldOneSigningForTheGracePeriod() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        assertRestError(payflow.rest("POST", "/api/v1/webhook-endpoint/secret/roll", partner.sandboxKey(), "{}"), 404,
                "WEBHOOK_ENDPOINT_NOT_FOUND");
        WebhookEndpoint created = payflow.webhooks(partner.sandboxKey()).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder()
                .setUrl("http://localhost:9/h").build());
        TestServer.Rest rolled = payflow.rest("POST", "/api/v1/webhook-endpoint/secret/roll", partner.sandboxKey(), "{\"expiresInHours\":2}");
        assertThat(rolled.status()).isEqualTo(200);
        assertThat(rolled.body().get("secret").getAsString()).startsWith("whsec_").isNotEqualTo(created.getSecret());
        assertThat(rolled.body().get("previousSecretExpiresAt").getAsString()).isNotEmpty();
        assertRestError(payflow.rest("POST", "/api/v1/webhook-endpoint/secret/roll", partner.sandboxKey(), "{\"expiresInHours\":169}"), 400,
                "INVALID_FIELD");
        WebhookEndpoint immediate = payflow.webhooks(partner.sandboxKey()).rollWebhookSecret(RollWebhookSecretRequest.newBuilder()
                .setExpiresInHours(0).build());
        assertThat(immediate.hasPreviousSecretExpiresAt()).as("0 ends the old secret at once").isFalse();
    }

    @Test
    void keysNeedTheWebhookPermissions() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        String readOnly = payflow.issueKey(partner.partnerId(), ApiKey.Environment.sandbox, "webhooks:read");
        String walletsOnly = payflow.issueKey(partner.partnerId(), ApiKey.Environment.sandbox, "wallets:read");
        assertRestError(payflow.rest("PUT", "/api/v1/webhook-endpoint", readOnly, "{\"url\":\"http://localhost:9/h\"}"), 403, "MISSING_PERMISSION");
        assertRestError(payflow.rest("GET", "/api/v1/webhooks/events", walletsOnly, null), 403, "MISSING_PERMISSION");
        assertThat(payflow.rest("GET", "/api/v1/webhooks/events", readOnly, null).status()).isEqualTo(200);
    }

    @Test
    void theAdminSetsAndReadsAPartnersEndpointAndTheOnboardingWebhookUrlBecomesItsSandboxEndpoint() {
        TestServer.Rest created = payflow.rest("POST", "/api/admin/partners", TestServer.ADMIN_TOKEN,
                "{\"name\":\"Hooked\",\"companyName\":\"Hooked Inc\",\"email\":\"ops@hooked.example\","
                        + "\"webhookUrl\":\"https://partner.example/payflow/hooks\"}");
        assertThat(created.status()).isEqualTo(200);
        String partnerId = created.body().get("id").getAsString();

        TestServer.Rest sandbox = payflow.rest("GET", "/api/admin/partners/" + partnerId + "/webhook-endpoint", TestServer.ADMIN_TOKEN, null);
        assertThat(sandbox.status()).isEqualTo(200);
        assertThat(sandbox.body().get("url").getAsString()).isEqualTo("https://partner.example/payflow/hooks");
        assertThat(sandbox.body().get("livemode").getAsBoolean()).isFalse();
        assertThat(sandbox.body().get("secret").getAsString()).isEmpty();
        assertRestError(payflow.rest("GET", "/api/admin/partners/" + partnerId + "/webhook-endpoint?environment=production",
                TestServer.ADMIN_TOKEN, null), 404, "WEBHOOK_ENDPOINT_NOT_FOUND");

        // No one has seen the onboarding endpoint's secret: the partner's first PUT issues one and shows it, once.
        payflow.changeStatus(partnerId, Partner.Status.approved);
        String key = payflow.issueKey(partnerId, ApiKey.Environment.sandbox);
        TestServer.Rest firstPut = payflow.rest("PUT", "/api/v1/webhook-endpoint", key, "{\"url\":\"https://partner.example/payflow/hooks\"}");
        assertThat(firstPut.body().get("secret").getAsString()).startsWith("whsec_");
        assertThat(firstPut.body().get("secretPrefix").getAsString()).isNotEqualTo(sandbox.body().get("secretPrefix").getAsString());
        assertThat(payflow.rest("PUT", "/api/v1/webhook-endpoint", key, "{\"url\":\"https://partner.example/payflow/hooks\"}").body()
                .get("secret").getAsString()).isEmpty();

        TestServer.Rest live = payflow.rest("PUT", "/api/admin/partners/" + partnerId + "/webhook-endpoint", TestServer.ADMIN_TOKEN,
                "{\"environment\":\"production\",\"url\":\"https://partner.example/live\"}");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body().get("livemode").getAsBoolean()).isTrue();
        assertThat(live.body().get("secret").getAsString()).startsWith("whsec_");

        assertRestError(payflow.rest("GET", "/api/admin/partners/ptn_" + "0".repeat(26) + "/webhook-endpoint", TestServer.ADMIN_TOKEN, null),
                404, "PARTNER_NOT_FOUND");
        TestServer.PartnerKeys keys = payflow.onboard(Partner.Status.active);
        assertRestError(payflow.rest("GET", "/api/admin/partners/" + partnerId + "/webhook-endpoint", keys.sandboxKey(), null), 403,
                "ADMIN_CREDENTIALS_REQUIRED");
    }

    private static byte[] storedCiphertext(String partnerId) throws Exception {
        try (Connection c = DriverManager.getConnection(payflow.database().jdbcUrl(), payflow.database().user(), payflow.database().password());
                PreparedStatement s = c.prepareStatement("SELECT secret_ciphertext FROM webhook_endpoints WHERE partner_id = ? AND NOT livemode")) {
            s.setString(1, partnerId);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return r.getBytes(1);
            }
        }
    }
}
