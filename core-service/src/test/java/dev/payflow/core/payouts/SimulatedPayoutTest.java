package dev.payflow.core.payouts;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.payflow.core.app.Payouts;
import dev.payflow.core.config.PayoutConfig;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ConnectServiceGrpc;
import dev.payflow.proto.v1.ConnectedAccount;
import dev.payflow.proto.v1.CreateConnectedAccountRequest;
import dev.payflow.proto.v1.CreatePayoutRequest;
import dev.payflow.proto.v1.GetPayoutRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payout;
import dev.payflow.proto.v1.PayoutDestination;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import dev.payflow.proto.v1.Wallet;
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
 * Sandbox without a Stripe key: a simulated recipient, onboarded through PayFlow's own page, is
 * paid {@link PayoutConfig#SANDBOX_PAYOUT_DELAY_MS_DEFAULT} after the payout, by the payout worker
 * on the injected clock; a recipient created to fail (metadata {@code simulatedPayoutFailure})
 * fails then, and the money comes back.
 */
class SimulatedPayoutTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final Duration DELAY = Duration.ofMillis(PayoutConfig.SANDBOX_PAYOUT_DELAY_MS_DEFAULT);
    private static TestServer payflow;
    private static String key;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(TestClock.frozenAt(NOW));
        key = payflow.onboard(Partner.Status.active).sandboxKey();
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
    }

    @Test
    void simulatedPayoutGoesInTransitAndIsPaidWhenItsDelayHasPassed() throws Exception {
        Wallet wallet = fundedWallet();
        String account = onboardedRecipient("winner-sim", Struct.getDefaultInstance());
        Instant start = payflow.clock().instant();

        Payout created = create(wallet, account, "60.00");

        assertThat(created.getStatus()).isEqualTo(Payout.Status.in_transit);
        assertThat(created.getProvider()).isEqualTo("simulated");
        assertThat(created.getProviderTransferId()).startsWith("tr_sim_");
        assertThat(created.getProviderPayoutId()).startsWith("po_sim_");
        assertThat(created.getArrivalDate().getSeconds()).isEqualTo(start.plus(DELAY).getEpochSecond());
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("40.00");

        payflow.clock().advance(DELAY.minusMillis(1));
        payflow.server().payouts().advanceDue();
        assertThat(get(created.getId()).getStatus()).as("not before its delay").isEqualTo(Payout.Status.in_transit);

        payflow.clock().advance(Duration.ofMillis(1));
        payflow.server().payouts().advanceDue();

        Payout paid = get(created.getId());
        assertThat(paid.getStatus()).isEqualTo(Payout.Status.paid);
        assertThat(paid.getStatusHistory(paid.getStatusHistoryCount() - 1).getCause()).isEqualTo("recovery");
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("40.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void simulatedRecipientCreatedToFailFailsAtTheBankAndTheMoneyComesBack() throws Exception {
        Wallet wallet = fundedWallet();
        String account = onboardedRecipient("loser-sim", Struct.newBuilder()
                .putFields(Payouts.SIMULATED_FAILURE_METADATA_KEY, Value.newBuilder().setStringValue("account_closed").build()).build());

        Payout created = create(wallet, account, "25.00");
        payflow.clock().advance(DELAY);
        payflow.server().payouts().advanceDue();

        Payout failed = get(created.getId());
        assertThat(failed.getStatus()).isEqualTo(Payout.Status.failed);
        assertThat(failed.getFailureCode()).isEqualTo("account_closed");
        assertThat(failed.getTransactionIdsList()).hasSize(2);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    private static Wallet fundedWallet() {
        Wallet wallet = payflow.newWallet(key, "USD");
        payflow.credit(key, wallet.getId(), "100.00", "USD");
        return wallet;
    }

    /** A simulated connected account, made active by following its onboarding link (the page PayFlow serves), as a partner's user would. */
    private static String onboardedRecipient(String externalUserId, Struct metadata) throws Exception {
        ConnectedAccount account = TestServer.withBearer(ConnectServiceGrpc.newBlockingStub(payflow.channel()), key)
                .createConnectedAccount(CreateConnectedAccountRequest.newBuilder().setExternalUserId(externalUserId).setCountry("US")
                        .setEmail(externalUserId + "@example.com").setMetadata(metadata).build());
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(account.getOnboardingUrl())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        return account.getId();
    }

    private static Payout create(Wallet wallet, String account, String amount) {
        return payouts().createPayout(CreatePayoutRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount).setCurrency("USD")
                .setDestination(PayoutDestination.newBuilder().setConnectedAccountId(account)).setIdempotencyKey(TestServer.newIdempotencyKey())
                .build());
    }

    private static Payout get(String id) {
        return payouts().getPayout(GetPayoutRequest.newBuilder().setId(id).build());
    }

    private static PayoutServiceGrpc.PayoutServiceBlockingStub payouts() {
        return TestServer.withBearer(PayoutServiceGrpc.newBlockingStub(payflow.channel()), key);
    }
}
