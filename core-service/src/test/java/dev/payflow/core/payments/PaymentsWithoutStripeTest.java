package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetPaymentConfigRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentConfig;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Without any Stripe key: sandbox payments settle through the simulated provider, live ones are never simulated. */
class PaymentsWithoutStripeTest {
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

    @Test
    void aSandboxPaymentSucceedsAtOnceThroughTheSimulatedProviderAndCreditsTheWallet() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("15.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payment.getProvider()).isEqualTo("simulated");
        assertThat(payment.getProviderPaymentId()).startsWith("sim_");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("15.00");
        assertThat(payflow.payments(partner.sandboxKey()).getPaymentConfig(GetPaymentConfigRequest.getDefaultInstance()))
                .isEqualTo(PaymentConfig.newBuilder().setProvider("simulated").build());
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aSandboxPaymentWithCaptureFalseWaitsInRequiresCaptureAndCreditsNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("15.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setCapture(false)
                .setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.requires_capture);
        assertThat(payment.getTransactionId()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void liveModeWithoutALiveKeyIsGatewayNotConfiguredForPaymentsAndCreditsWithAPaymentMethodAndRecordsNothing() {
        Wallet wallet = payflow.newWallet(partner.productionKey(), "USD");
        String key = newIdempotencyKey();

        assertGrpcError(() -> payflow.payments(partner.productionKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("1.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(key).build()),
                Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        assertGrpcError(() -> payflow.wallets(partner.productionKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").setPaymentMethod("pm_card_visa").setIdempotencyKey(key).build()),
                Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        assertGrpcError(() -> payflow.payments(partner.productionKey()).getPaymentConfig(GetPaymentConfigRequest.getDefaultInstance()),
                Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        assertGrpcError(() -> payflow.wallets(partner.productionKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").setIdempotencyKey(key).build()), Status.Code.INVALID_ARGUMENT, "PAYMENT_METHOD_REQUIRED");
        assertThat(payflow.balanceOf(partner.productionKey(), wallet.getId())).isEqualTo("0.00");
        // None of these consumed the key: a sandbox-style replay of it is free to run. (The key is scoped to live mode.)
        assertThat(payflow.server().database().reader().fetchCount(org.jooq.impl.DSL.table("idempotency_keys"),
                org.jooq.impl.DSL.field("idempotency_key").eq(key))).isZero();
    }

    @Test
    void aSandboxCreditWithoutAPaymentMethodStillSettlesAtOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        Transaction credit = payflow.credit(partner.sandboxKey(), wallet.getId(), "5.00", "USD");

        assertThat(credit.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(credit.getPaymentId()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("5.00");
    }

    @Test
    void aPaymentToAFrozenWalletIsRefusedAndItsReplayAnswersTheSame() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.setWalletStatus(partner.sandboxKey(), wallet.getId(), Wallet.Status.frozen);
        CreatePaymentRequest request = CreatePaymentRequest.newBuilder().setAmount("1.00").setCurrency("USD").setPaymentMethod("pm_card_visa")
                .setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build();

        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
        payflow.setWalletStatus(partner.sandboxKey(), wallet.getId(), Wallet.Status.active);
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.toBuilder().setCurrency("EUR")
                .setIdempotencyKey(newIdempotencyKey()).build()), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH");
    }
}
