package dev.payflow.core.connect;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.FakeStripe.account;
import static dev.payflow.core.testing.FakeStripe.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ConnectOAuthUrl;
import dev.payflow.proto.v1.ConnectedAccount;
import dev.payflow.proto.v1.CreateConnectOAuthUrlRequest;
import dev.payflow.proto.v1.DeleteConnectedAccountRequest;
import dev.payflow.proto.v1.GetConnectedAccountRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.Partner;
import io.grpc.Status;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Standard accounts by Stripe Connect OAuth, against a fake Stripe (API and Connect base alike) so that stripe-java's OAuth runs. */
class ConnectOAuthTest {
    private static final TestClock CLOCK = TestClock.system();
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), CLOCK);
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (stripe != null) {
            stripe.close();
        }
    }

    private static String newAccountId() {
        return "acct_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    private static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    private static ConnectOAuthUrl authorizeUrl(String key, String externalUserId) {
        return payflow.connect(key).createConnectOAuthUrl(CreateConnectOAuthUrlRequest.newBuilder().setExternalUserId(externalUserId).build());
    }

    /** Stripe exchanges any code for this account, and reads it as active. */
    private static void stripeConnects(String stripeAccount) {
        stripe.reset();
        stripe.alsoAnswers("/oauth/token", 200, "{\"access_token\":\"sk_test_unused\",\"livemode\":false,\"refresh_token\":\"rt_unused\","
                + "\"token_type\":\"bearer\",\"stripe_publishable_key\":\"pk_test_unused\",\"stripe_user_id\":\"" + stripeAccount
                + "\",\"scope\":\"read_write\"}");
        stripe.alsoAnswersGet("/v1/accounts/" + stripeAccount, account(stripeAccount, true, true, List.of(), "", "", "")
                .replace("\"type\":\"express\"", "\"type\":\"standard\"").replace("\"metadata\":{\"payflow_connected_account_id\":\"\","
                        + "\"payflow_partner_id\":\"\"}", "\"metadata\":{}"));
    }

    private static TestServer.Rest callback(String code, String state) {
        return payflow.rest("GET", "/api/v1/connect/oauth/callback?code=" + URLEncoder.encode(code, StandardCharsets.UTF_8) + "&state="
                + URLEncoder.encode(state, StandardCharsets.UTF_8), null, null);
    }

    private static String connectedStandardAccount(TestServer.PartnerKeys holder, String user, String stripeAccount) {
        stripeConnects(stripeAccount);
        TestServer.Rest answer = callback("ac_good", authorizeUrl(holder.sandboxKey(), user).getState());
        assertThat(answer.status()).as("callback answer %s", answer.body()).isEqualTo(200);
        return answer.body().get("id").getAsString();
    }

    @Test
    void theAuthorizeUrlCarriesTheModesClientIdReadWriteAndAFreshStateValidForTenMinutes() {
        ConnectOAuthUrl first = authorizeUrl(partner.sandboxKey(), newUser());
        ConnectOAuthUrl second = authorizeUrl(partner.sandboxKey(), newUser());

        assertThat(first.getUrl()).startsWith(stripe.baseUrl() + "/oauth/authorize?response_type=code&client_id="
                + TestServer.CONNECT_CLIENT_ID_TEST + "&scope=read_write&state=" + first.getState() + "&redirect_uri=http%3A%2F%2Flocalhost%3A")
                .endsWith(URLEncoder.encode("/api/v1/connect/oauth/callback", StandardCharsets.UTF_8));
        // 32 random bytes, base64url without padding.
        assertThat(first.getState()).hasSize(43).isNotEqualTo(second.getState());
        assertThat(first.getExpiresAt().getSeconds() - CLOCK.instant().getEpochSecond()).isBetween(599L, 600L);
        ConnectOAuthUrl own = payflow.connect(partner.sandboxKey()).createConnectOAuthUrl(CreateConnectOAuthUrlRequest.newBuilder()
                .setRedirectUri("https://partner.example/connected").build());
        assertThat(own.getUrl()).endsWith("&redirect_uri=" + URLEncoder.encode("https://partner.example/connected", StandardCharsets.UTF_8));
        assertGrpcError(() -> payflow.connect(partner.sandboxKey()).createConnectOAuthUrl(CreateConnectOAuthUrlRequest.newBuilder()
                .setRedirectUri("javascript:alert(1)").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void aGoodStateRecordsAStandardAccountForItsPartnerAndUserOnceAndAReplayIsRefused() {
        String stripeAccount = newAccountId();
        String user = newUser();
        stripeConnects(stripeAccount);
        String state = authorizeUrl(partner.sandboxKey(), user).getState();

        TestServer.Rest answer = callback("ac_good", state);

        assertThat(answer.status()).as("callback answer %s", answer.body()).isEqualTo(200);
        ConnectedAccount recorded = payflow.connect(partner.sandboxKey()).getConnectedAccount(GetConnectedAccountRequest.newBuilder()
                .setId(answer.body().get("id").getAsString()).build());
        assertThat(recorded.getType()).isEqualTo("standard");
        assertThat(recorded.getStripeAccountId()).isEqualTo(stripeAccount);
        assertThat(recorded.getExternalUserId()).isEqualTo(user);
        assertThat(recorded.getStatus()).isEqualTo(ConnectedAccount.Status.active);
        assertThat(recorded.getLivemode()).isFalse();
        List<LoggedRequest> exchanges = stripe.requestsTo("/oauth/token");
        assertThat(exchanges).hasSize(1);
        assertThat(form(exchanges.get(0))).containsEntry("grant_type", "authorization_code").containsEntry("code", "ac_good");
        assertThat(exchanges.get(0).getHeader("Authorization")).isEqualTo("Bearer " + FakeStripe.SECRET_KEY_TEST);
        assertThat(payflow.webhooks(partner.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("connect.account.connected")
                .setPageSize(200).build()).getEventsList()).anyMatch(event -> event.toString().contains(recorded.getId()));

        assertRestError(callback("ac_good", state), 400, "CONNECT_OAUTH_FAILED");
        assertThat(stripe.requestsTo("/oauth/token")).as("a replayed state never reaches Stripe").hasSize(1);
    }

    @Test
    void anUnknownOrMissingStateIsRefusedBeforeStripe() {
        stripeConnects(newAccountId());

        assertRestError(callback("ac_good", "not-a-state-we-gave"), 400, "CONNECT_OAUTH_FAILED");
        assertRestError(payflow.rest("GET", "/api/v1/connect/oauth/callback?code=ac_good", null, null), 400, "CONNECT_OAUTH_FAILED");

        assertThat(stripe.requestsTo("/oauth/token")).isEmpty();
    }

    @Test
    void aStateOlderThanTenMinutesIsRefused() {
        stripeConnects(newAccountId());
        String state = authorizeUrl(partner.sandboxKey(), newUser()).getState();

        CLOCK.advance(Duration.ofMinutes(10).plusSeconds(1));

        assertRestError(callback("ac_good", state), 400, "CONNECT_OAUTH_FAILED");
        assertThat(stripe.requestsTo("/oauth/token")).isEmpty();
    }

    @Test
    void aCodeStripeRefusesIsAnOAuthFailureAndRecordsNothing() {
        String user = newUser();
        stripe.reset();
        stripe.alsoAnswers("/oauth/token", 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Authorization code does not exist: ac_bad\"}");

        assertRestError(callback("ac_bad", authorizeUrl(partner.sandboxKey(), user).getState()), 400, "CONNECT_OAUTH_FAILED");

        assertThat(payflow.connect(partner.sandboxKey()).listConnectedAccounts(dev.payflow.proto.v1.ListConnectedAccountsRequest.newBuilder()
                .setExternalUserId(user).build()).getAccountsList()).isEmpty();
    }

    @Test
    void anotherPartnersStateRecordsTheAccountForThatPartnerOnly() {
        String user = newUser();
        String id = connectedStandardAccount(otherPartner, user, newAccountId());

        assertGrpcError(() -> payflow.connect(partner.sandboxKey()).getConnectedAccount(GetConnectedAccountRequest.newBuilder().setId(id).build()),
                Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertThat(payflow.connect(partner.sandboxKey()).listConnectedAccounts(dev.payflow.proto.v1.ListConnectedAccountsRequest.newBuilder()
                .setExternalUserId(user).build()).getAccountsList()).isEmpty();
        assertThat(payflow.connect(otherPartner.sandboxKey()).getConnectedAccount(GetConnectedAccountRequest.newBuilder().setId(id).build())
                .getExternalUserId()).isEqualTo(user);
    }

    @Test
    void disconnectingAStandardAccountDeauthorizesThePlatformInsteadOfClosingTheAccount() {
        String stripeAccount = newAccountId();
        String id = connectedStandardAccount(partner, newUser(), stripeAccount);
        stripe.alsoAnswersGet("/v1/balance", "{\"object\":\"balance\",\"livemode\":false,\"available\":[{\"amount\":0,\"currency\":\"usd\"}],"
                + "\"pending\":[{\"amount\":0,\"currency\":\"usd\"}]}");
        stripe.alsoAnswers("/oauth/deauthorize", 200, "{\"stripe_user_id\":\"" + stripeAccount + "\"}");

        ConnectedAccount disconnected = payflow.connect(partner.sandboxKey()).deleteConnectedAccount(DeleteConnectedAccountRequest.newBuilder()
                .setId(id).build());

        assertThat(disconnected.getStatus()).isEqualTo(ConnectedAccount.Status.disabled);
        assertThat(disconnected.hasDisconnectedAt()).isTrue();
        List<LoggedRequest> deauthorizations = stripe.requestsTo("/oauth/deauthorize");
        assertThat(deauthorizations).hasSize(1);
        assertThat(form(deauthorizations.get(0))).containsEntry("client_id", TestServer.CONNECT_CLIENT_ID_TEST)
                .containsEntry("stripe_user_id", stripeAccount);
    }
}
