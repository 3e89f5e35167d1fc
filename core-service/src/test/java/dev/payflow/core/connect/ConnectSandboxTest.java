package dev.payflow.core.connect;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ConnectedAccount;
import dev.payflow.proto.v1.ConnectedAccountBalance;
import dev.payflow.proto.v1.CreateConnectedAccountRequest;
import dev.payflow.proto.v1.DeleteConnectedAccountRequest;
import dev.payflow.proto.v1.GetConnectedAccountBalanceRequest;
import dev.payflow.proto.v1.GetConnectedAccountRequest;
import dev.payflow.proto.v1.Partner;
import io.grpc.Status;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sandbox without a Stripe key: simulated accounts, onboarded by following the page PayFlow serves, so the whole flow runs offline. */
class ConnectSandboxTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
    }

    private static ConnectedAccount create(String key) {
        return payflow.connect(key).createConnectedAccount(CreateConnectedAccountRequest.newBuilder().setExternalUserId("user-" + UUID.randomUUID())
                .setCountry("US").setEmail("holder@example.com").build());
    }

    @Test
    void aSimulatedAccountBecomesActiveWhenItsOnboardingPageIsFollowed() {
        ConnectedAccount created = create(partner.sandboxKey());
        assertThat(created.getStripeAccountId()).startsWith("acct_sim_");
        assertThat(created.getStatus()).isEqualTo(ConnectedAccount.Status.restricted);
        assertThat(created.getOnboardingUrl()).startsWith("http://localhost:" + payflow.server().httpPort() + "/connect/simulated-onboarding/"
                + created.getStripeAccountId());

        assertThat(ConnectAccountTest.page(created.getOnboardingUrl()).statusCode()).isEqualTo(200);

        ConnectedAccount onboarded = payflow.connect(partner.sandboxKey()).getConnectedAccount(GetConnectedAccountRequest.newBuilder()
                .setId(created.getId()).build());
        assertThat(onboarded.getStatus()).isEqualTo(ConnectedAccount.Status.active);
        assertThat(onboarded.getPayoutsEnabled()).isTrue();
        assertThat(onboarded.getChargesEnabled()).isTrue();
        assertThat(onboarded.getRequirements().getCurrentlyDueList()).isEmpty();
    }

    @Test
    void aSimulatedAccountHoldsNoMoneyAndDisconnectsAndAnUnknownOnboardingPageIsNotFound() {
        ConnectedAccount created = create(partner.sandboxKey());
        ConnectedAccountBalance balance = payflow.connect(partner.sandboxKey()).getConnectedAccountBalance(
                GetConnectedAccountBalanceRequest.newBuilder().setId(created.getId()).build());
        assertThat(balance.getAvailableList()).isEmpty();

        ConnectedAccount disconnected = payflow.connect(partner.sandboxKey()).deleteConnectedAccount(DeleteConnectedAccountRequest.newBuilder()
                .setId(created.getId()).build());

        assertThat(disconnected.getStatus()).isEqualTo(ConnectedAccount.Status.disabled);
        // Following the link of a disconnected account changes nothing.
        assertThat(ConnectAccountTest.page(created.getOnboardingUrl()).statusCode()).isEqualTo(404);
        assertThat(ConnectAccountTest.page("http://localhost:" + payflow.server().httpPort() + "/connect/simulated-onboarding/acct_sim_nobody")
                .statusCode()).isEqualTo(404);
    }

    @Test
    void liveModeWithoutALiveGatewayIsRefused() {
        assertGrpcError(() -> create(partner.productionKey()), Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
    }

    @Test
    void oauthWithoutAStripeKeyAndConnectClientIdForTheModeIsAFailedPrecondition() {
        com.google.rpc.Status status = assertGrpcError(() -> payflow.connect(partner.sandboxKey()).createConnectOAuthUrl(
                dev.payflow.proto.v1.CreateConnectOAuthUrlRequest.getDefaultInstance()), Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        assertThat(status.getMessage()).contains("PAYFLOW_STRIPE_CONNECT_CLIENT_ID_TEST");
        assertGrpcError(() -> payflow.connect(partner.productionKey()).createConnectOAuthUrl(
                dev.payflow.proto.v1.CreateConnectOAuthUrlRequest.getDefaultInstance()), Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
    }
}
