package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakePayPal.ORDERS;
import static dev.payflow.core.testing.FakePayPal.authorized;
import static dev.payflow.core.testing.FakePayPal.captured;
import static dev.payflow.core.testing.FakePayPal.newOrderId;
import static dev.payflow.core.testing.FakePayPal.order;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.testing.FakePayPal;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
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
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Payments through PayPal against the fake PayPal (the real PayPal server SDK runs, routed to it):
 * a vaulted payment captured at once, an order the payer approves, authorize then void or capture,
 * a partial refund, a declined capture, and an order never approved.
 */
class PayPalPaymentTest {
    private static final String VAULT_TOKEN = "8kk8451t";
    private static FakePayPal paypal;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        paypal = FakePayPal.start();
        payflow = TestServer.startWithPayPal(paypal, Optional.empty(), TestClock.system());
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (paypal != null) {
            paypal.close();
        }
    }

    @BeforeEach
    void forgetPayPalsAnswers() {
        paypal.reset();
    }

    private static CreatePaymentRequest.Builder throughPayPal(Wallet wallet, String amount, String paymentMethod) {
        return CreatePaymentRequest.newBuilder().setProvider("paypal").setAmount(amount).setCurrency("USD").setPaymentMethod(paymentMethod)
                .setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey());
    }

    private static Payment reload(Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    private static JsonObject body(LoggedRequest request) {
        return JsonParser.parseString(request.getBodyAsString()).getAsJsonObject();
    }

    /** PayPal's answer to our create names our payment: the fake answers with the payment id PayFlow sent as custom_id. */
    private static String paymentIdSent() {
        return body(paypal.postsTo(ORDERS).get(0)).getAsJsonArray("purchase_units").get(0).getAsJsonObject().get("custom_id").getAsString();
    }

    @Test
    void aVaultedPayPalPaymentIsCapturedAtOnceAndCreditsTheWalletOnceThoughTheRequestIsReplayed() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "CAPTURE", "pmt_x", "50.00", "USD",
                captured("CAP" + orderId, "COMPLETED", "50.00", "USD")));
        CreatePaymentRequest request = throughPayPal(wallet, "50.00", VAULT_TOKEN).setDescription("Top-up").build();

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(request);
        Payment replayed = payflow.payments(partner.sandboxKey()).createPayment(request);

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payment.getProvider()).isEqualTo("paypal");
        assertThat(payment.getProviderPaymentId()).isEqualTo(orderId);
        assertThat(payment.getTransactionId()).startsWith("txn_");
        assertThat(replayed.getId()).isEqualTo(payment.getId());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("50.00");
        List<LoggedRequest> creates = paypal.postsTo(ORDERS);
        assertThat(creates).hasSize(1);
        assertThat(creates.get(0).getHeader("PayPal-Request-Id")).isEqualTo(payment.getId() + ":create");
        // The bearer token is the one the SDK got from the fake's OAuth endpoint (fetched once, then kept by the SDK).
        assertThat(creates.get(0).getHeader("Authorization")).isEqualTo("Bearer A21AAFakeAccessToken");
        JsonObject sent = body(creates.get(0));
        assertThat(sent.get("intent").getAsString()).isEqualTo("CAPTURE");
        JsonObject unit = sent.getAsJsonArray("purchase_units").get(0).getAsJsonObject();
        assertThat(unit.get("custom_id").getAsString()).isEqualTo(payment.getId());
        assertThat(unit.get("description").getAsString()).isEqualTo("Top-up");
        assertThat(unit.getAsJsonObject("amount").get("value").getAsString()).isEqualTo("50.00");
        assertThat(unit.getAsJsonObject("amount").get("currency_code").getAsString()).isEqualTo("USD");
        assertThat(sent.getAsJsonObject("payment_source").getAsJsonObject("paypal").get("vault_id").getAsString()).isEqualTo(VAULT_TOKEN);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void anOrderThePayerMustApproveWaitsInRequiresActionWithTheApproveLinkAndIsCapturedOnceApproved() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        paypal.answersPost(ORDERS, 200, order(orderId, "PAYER_ACTION_REQUIRED", "CAPTURE", "pmt_x", "25.00", "USD", ""));

        Payment waiting = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "25.00", "paypal")
                .setReturnUrl("https://partner.example/back").build());

        assertThat(waiting.getStatus()).isEqualTo(Payment.Status.requires_action);
        assertThat(waiting.getNextAction().getType()).isEqualTo("redirect_to_url");
        assertThat(waiting.getNextAction().getRedirectUrl()).isEqualTo(FakePayPal.approveUrl(orderId));
        assertThat(waiting.getTransactionId()).isEmpty();
        JsonObject experience = body(paypal.postsTo(ORDERS).get(0)).getAsJsonObject("payment_source").getAsJsonObject("paypal")
                .getAsJsonObject("experience_context");
        assertThat(experience.get("return_url").getAsString()).isEqualTo("https://partner.example/back");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");

        // The payer approves on PayPal; recovery's next look at the order captures it, with the capture's own request id.
        String paymentId = paymentIdSent();
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "APPROVED", "CAPTURE", paymentId, "25.00", "USD", ""));
        paypal.answersPost(ORDERS + "/" + orderId + "/capture", 201, order(orderId, "COMPLETED", "CAPTURE", paymentId, "25.00", "USD",
                captured("CAP" + orderId, "COMPLETED", "25.00", "USD")));
        payflow.clock().advance(Duration.ofMinutes(16));
        payflow.server().paymentRecovery().recoverDue();

        Payment approved = reload(waiting);
        assertThat(approved.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(approved.getNextAction().getType()).isEmpty();
        assertThat(paypal.postsTo(ORDERS + "/" + orderId + "/capture")).singleElement()
                .satisfies(capture -> assertThat(capture.getHeader("PayPal-Request-Id")).isEqualTo(waiting.getId() + ":capture"));
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("25.00");

        // A second run finds nothing to ask: the payment is settled.
        payflow.clock().advance(Duration.ofMinutes(16));
        payflow.server().paymentRecovery().recoverDue();
        assertThat(paypal.postsTo(ORDERS + "/" + orderId + "/capture")).hasSize(1);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void anAuthorizationIsVoidedWithItsOwnRequestIdAndBooksNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        String authorizationId = "AUTH" + orderId;
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "AUTHORIZE", "pmt_x", "15.00", "USD",
                authorized(authorizationId, "CREATED", "15.00", "USD", "")));

        Payment authorised = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "15.00", VAULT_TOKEN)
                .setCapture(false).build());

        assertThat(authorised.getStatus()).isEqualTo(Payment.Status.requires_capture);
        assertThat(body(paypal.postsTo(ORDERS).get(0)).get("intent").getAsString()).isEqualTo("AUTHORIZE");
        String paymentId = authorised.getId();
        paypal.answersGetThenAfterPost(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "AUTHORIZE", paymentId, "15.00", "USD",
                authorized(authorizationId, "CREATED", "15.00", "USD", "")),
                "/v2/payments/authorizations/" + authorizationId + "/void", "{\"id\":\"" + authorizationId + "\",\"status\":\"VOIDED\"}",
                order(orderId, "COMPLETED", "AUTHORIZE", paymentId, "15.00", "USD", authorized(authorizationId, "VOIDED", "15.00", "USD", "")));

        Payment cancelled = payflow.payments(partner.sandboxKey()).cancelPayment(CancelPaymentRequest.newBuilder().setId(paymentId)
                .setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(cancelled.getStatus()).isEqualTo(Payment.Status.cancelled);
        assertThat(cancelled.getTransactionId()).isEmpty();
        assertThat(paypal.postsTo("/v2/payments/authorizations/" + authorizationId + "/void")).singleElement()
                .satisfies(voided -> assertThat(voided.getHeader("PayPal-Request-Id")).isEqualTo(paymentId + ":cancel"));
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void anAuthorizationCapturedLaterCreditsTheWalletOnlyThen() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        String authorizationId = "AUTH" + orderId;
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "AUTHORIZE", "pmt_x", "40.00", "USD",
                authorized(authorizationId, "CREATED", "40.00", "USD", "")));
        Payment authorised = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "40.00", VAULT_TOKEN)
                .setCapture(false).build());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        String paymentId = authorised.getId();
        String capturePath = "/v2/payments/authorizations/" + authorizationId + "/capture";
        paypal.answersGetThenAfterPost(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "AUTHORIZE", paymentId, "40.00", "USD",
                authorized(authorizationId, "CREATED", "40.00", "USD", "")),
                capturePath, "{\"id\":\"CAP" + orderId + "\",\"status\":\"COMPLETED\"}",
                order(orderId, "COMPLETED", "AUTHORIZE", paymentId, "40.00", "USD", authorized(authorizationId, "CAPTURED", "40.00", "USD",
                        "CAP" + orderId)));

        Payment captured = payflow.payments(partner.sandboxKey()).capturePayment(CapturePaymentRequest.newBuilder().setId(paymentId)
                .setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(captured.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(paypal.postsTo(capturePath)).singleElement()
                .satisfies(capture -> assertThat(capture.getHeader("PayPal-Request-Id")).isEqualTo(paymentId + ":capture"));
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("40.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aPartialRefundRefundsThatMuchOfTheCaptureAndLeavesTheRest() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        String captureId = "CAP" + orderId;
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "CAPTURE", "pmt_x", "50.00", "USD",
                captured(captureId, "COMPLETED", "50.00", "USD")));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "50.00", VAULT_TOKEN).build());
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "CAPTURE", payment.getId(), "50.00", "USD",
                captured(captureId, "COMPLETED", "50.00", "USD")));
        String refundPath = "/v2/payments/captures/" + captureId + "/refund";
        paypal.answersPost(refundPath, 201, FakePayPal.refund("REF" + orderId, "COMPLETED", "20.00", "USD"));

        Refund refund = payflow.payments(partner.sandboxKey()).refundPayment(RefundPaymentRequest.newBuilder().setId(payment.getId())
                .setAmount("20.00").setReason("requested_by_customer").setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(refund.getStatus()).isEqualTo(Refund.Status.succeeded);
        assertThat(refund.getAmount()).isEqualTo("20.00");
        assertThat(reload(payment).getStatus()).isEqualTo(Payment.Status.partially_refunded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");
        LoggedRequest sent = paypal.postsTo(refundPath).get(0);
        assertThat(sent.getHeader("PayPal-Request-Id")).isEqualTo(refund.getId() + ":refund");
        assertThat(body(sent).getAsJsonObject("amount").get("value").getAsString()).isEqualTo("20.00");
        assertThat(body(sent).getAsJsonObject("amount").get("currency_code").getAsString()).isEqualTo("USD");
        assertThat(body(sent).get("custom_id").getAsString()).isEqualTo(refund.getId());
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void payPalsFeeFromTheCapturesSellerReceivableBreakdownIsBookedOnceBetweenItsFeesAndClearingAccounts() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        String captureId = "CAP" + orderId;
        String fee = FakePayPal.capturedWithFee(captureId, "50.00", "1.75", "USD");
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "CAPTURE", "pmt_x", "50.00", "USD", fee));
        // The order as PayPal shows it afterwards; the custom_id is any: the fee is read from the capture.
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "CAPTURE", "pmt_x", "50.00", "USD", fee));
        long feesBefore = StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_fees", "paypal");

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "50.00", VAULT_TOKEN).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_fees", "paypal") - feesBefore).isEqualTo(-175);
        assertThat(payflow.server().database().reader().fetchOne("select count(*) from transactions where partner_id = ? and type = 'fee' "
                + "and gateway_transaction_id = ?", partner.partnerId(), captureId).get(0, Long.class)).isEqualTo(1);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("50.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aCapturePayPalDeclinesFailsThePaymentWithPayPalsIssueAndBooksNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        // Approved at once (a vault token), then the capture is declined by the payer's bank.
        paypal.answersPost(ORDERS, 201, order(orderId, "APPROVED", "CAPTURE", "pmt_x", "30.00", "USD", ""));
        paypal.answersPost(ORDERS + "/" + orderId + "/capture", 422, FakePayPal.instrumentDeclined());

        Payment failed = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "30.00", VAULT_TOKEN).build());

        assertThat(failed.getStatus()).isEqualTo(Payment.Status.failed);
        assertThat(failed.getFailureCode()).isEqualTo("instrument_declined");
        assertThat(failed.getFailureMessage()).contains("declined by the processor or bank");
        assertThat(failed.getProviderPaymentId()).isEqualTo(orderId);
        assertThat(failed.getTransactionId()).isEmpty();
        assertThat(paypal.postsTo(ORDERS + "/" + orderId + "/capture").get(0).getHeader("PayPal-Request-Id"))
                .isEqualTo(failed.getId() + ":capture");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void anOrderNeverApprovedIsCancelledByRecoveryOncePastPayPalsApprovalWindow() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        paypal.answersPost(ORDERS, 200, order(orderId, "PAYER_ACTION_REQUIRED", "CAPTURE", "pmt_x", "12.00", "USD", ""));
        Payment waiting = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "12.00", "paypal").build());
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "PAYER_ACTION_REQUIRED", "CAPTURE", waiting.getId(), "12.00", "USD", ""));

        payflow.clock().advance(Duration.ofMinutes(16));
        payflow.server().paymentRecovery().recoverDue();
        assertThat(reload(waiting).getStatus()).as("still inside the approval window").isEqualTo(Payment.Status.requires_action);

        payflow.clock().advance(Duration.ofHours(3));
        payflow.server().paymentRecovery().recoverDue();

        Payment expired = reload(waiting);
        assertThat(expired.getStatus()).isEqualTo(Payment.Status.cancelled);
        assertThat(expired.getTransactionId()).isEmpty();
        assertThat(paypal.postsTo(ORDERS + "/" + orderId + "/capture")).isEmpty();
    }

    @Test
    void aProviderNotConfiguredInTheModeOrNotKnownIsRefusedBeforeAnythingIsRecorded() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "5.00", VAULT_TOKEN)
                .setProvider("adyen").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "5.00", VAULT_TOKEN)
                .setProvider("stripe").build()), Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        Wallet live = payflow.newWallet(partner.productionKey(), "USD");
        assertGrpcError(() -> payflow.payments(partner.productionKey()).createPayment(throughPayPal(live, "5.00", VAULT_TOKEN).build()),
                Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        assertThat(paypal.postsTo(ORDERS)).isEmpty();
    }
}
