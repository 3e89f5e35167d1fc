package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CancelPaymentRequest;
import dev.payflow.proto.v1.CapturePaymentRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Refund;
import dev.payflow.proto.v1.RefundPaymentRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Capture later, cancel, and refunds in part and in full, against the fake Stripe. */
class PaymentLifecycleTest {
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe);
        partner = payflow.onboard(Partner.Status.active);
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

    private static Payment create(Wallet wallet, String intent, String status, long amountMinor, boolean capture) {
        stripe.answersCreateWith(paymentIntent(intent, status, amountMinor, "usd", ""));
        return payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amountMinor / 100 + ".00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setCapture(capture)
                .setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static Payment reload(Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    private static RefundPaymentRequest refund(Payment payment, String amount) {
        return RefundPaymentRequest.newBuilder().setId(payment.getId()).setAmount(amount).setReason("requested_by_customer")
                .setIdempotencyKey(newIdempotencyKey()).build();
    }

    @Test
    void aPaymentCapturedLaterCreditsTheWalletOnlyThenAndOnceThoughTheCaptureIsReplayed() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment authorised = create(wallet, intent, "requires_capture", 6000, false);
        assertThat(authorised.getStatus()).isEqualTo(Payment.Status.requires_capture);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertThat(FakeStripe.form(stripe.createRequests().get(0))).containsEntry("capture_method", "manual");
        stripe.alsoAnswers("/v1/payment_intents/" + intent + "/capture", 200, paymentIntent(intent, "succeeded", 6000, "usd", ""));
        CapturePaymentRequest capture = CapturePaymentRequest.newBuilder().setId(authorised.getId()).setIdempotencyKey(newIdempotencyKey()).build();

        Payment captured = payflow.payments(partner.sandboxKey()).capturePayment(capture);
        Payment replayed = payflow.payments(partner.sandboxKey()).capturePayment(capture);

        assertThat(captured.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(replayed).isEqualTo(captured);
        assertThat(stripe.requestsTo("/v1/payment_intents/" + intent + "/capture")).hasSize(1)
                .allSatisfy(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo(authorised.getId() + ":capture"));
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("60.00");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).capturePayment(capture.toBuilder().setIdempotencyKey(newIdempotencyKey())
                .build()), Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aCancelledAuthorisationBooksNothingAndCannotBeCapturedAfter() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment authorised = create(wallet, intent, "requires_capture", 1500, false);
        stripe.alsoAnswers("/v1/payment_intents/" + intent + "/cancel", 200, paymentIntent(intent, "canceled", 1500, "usd", ""));

        Payment cancelled = payflow.payments(partner.sandboxKey()).cancelPayment(CancelPaymentRequest.newBuilder().setId(authorised.getId())
                .setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(cancelled.getStatus()).isEqualTo(Payment.Status.cancelled);
        assertThat(cancelled.getTransactionId()).isEmpty();
        assertThat(stripe.requestsTo("/v1/payment_intents/" + intent + "/cancel").get(0).getHeader("Idempotency-Key"))
                .isEqualTo(authorised.getId() + ":cancel");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).capturePayment(CapturePaymentRequest.newBuilder().setId(authorised.getId())
                .setIdempotencyKey(newIdempotencyKey()).build()), Status.Code.FAILED_PRECONDITION, "INVALID_STATUS_TRANSITION");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aPartialThenAFullRefundTakeTheMoneyBackAndNothingIsLeftToRefund() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = create(wallet, intent, "succeeded", 5000, true);
        stripe.alsoAnswers("/v1/refunds", 200, FakeStripe.refund("re_" + UUID.randomUUID().toString().substring(0, 8), intent, 2000,
                "succeeded", "ref_x"));

        Refund partial = payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "20.00"));

        assertThat(partial.getId()).startsWith("ref_");
        assertThat(partial.getStatus()).isEqualTo(Refund.Status.succeeded);
        assertThat(partial.getTransactionId()).startsWith("txn_");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");
        Payment afterPartial = reload(payment);
        assertThat(afterPartial.getStatus()).isEqualTo(Payment.Status.partially_refunded);
        assertThat(afterPartial.getAmountRefunded()).isEqualTo("20.00");
        assertThat(afterPartial.getRefundsList()).extracting(Refund::getId).containsExactly(partial.getId());
        Map<String, String> sent = FakeStripe.form(stripe.requestsTo("/v1/refunds").get(0));
        assertThat(sent).containsEntry("payment_intent", intent).containsEntry("amount", "2000").containsEntry("reason", "requested_by_customer");
        assertThat(stripe.requestsTo("/v1/refunds").get(0).getHeader("Idempotency-Key")).isEqualTo(partial.getId() + ":refund");

        Refund rest = payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "").toBuilder().clearAmount().build());

        assertThat(rest.getAmount()).isEqualTo("30.00");
        assertThat(reload(payment).getStatus()).isEqualTo(Payment.Status.refunded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "0.01")), Status.Code.FAILED_PRECONDITION,
                "REFUND_AMOUNT_EXCEEDED");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aRefundLargerThanTheWalletsAvailableBalanceIsInsufficientFundsAndItsReplayAnswersTheSame() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet other = payflow.newWallet(partner.sandboxKey(), "USD");
        Payment payment = create(wallet, newPaymentIntentId(), "succeeded", 4000, true);
        payflow.transfer(partner.sandboxKey(), wallet.getId(), other.getId(), "35.00", "USD");
        RefundPaymentRequest request = refund(payment, "10.00");

        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).refundPayment(request), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).refundPayment(request), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");

        assertThat(stripe.requestsTo("/v1/refunds")).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("5.00");
        assertThat(reload(payment).getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(reload(payment).getRefundsList()).isEmpty();
    }

    @Test
    void aRefundThatStripeFailsLaterIsReversedInTheBooksOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = create(wallet, intent, "succeeded", 2500, true);
        String stripeRefund = "re_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        stripe.alsoAnswers("/v1/refunds", 200, FakeStripe.refund(stripeRefund, intent, 1000, "pending", "ref_unknown_yet"));
        Refund pending = payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "10.00"));
        assertThat(pending.getStatus()).isEqualTo(Refund.Status.pending);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("15.00");
        String failed = event("evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20), "charge.refund.updated", false,
                FakeStripe.refund(stripeRefund, intent, 1000, "failed", pending.getId()));
        String header = signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), failed.getBytes(StandardCharsets.UTF_8));

        TestServer.Rest first = payflow.rest("POST", "/api/v1/webhooks/stripe", null, failed, Map.of("Stripe-Signature", header));
        TestServer.Rest again = payflow.rest("POST", "/api/v1/webhooks/stripe", null, failed, Map.of("Stripe-Signature", header));

        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        Payment now = reload(payment);
        assertThat(now.getRefunds(0).getStatus()).isEqualTo(Refund.Status.failed);
        assertThat(now.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(now.getAmountRefunded()).isEqualTo("0.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("25.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }
}
