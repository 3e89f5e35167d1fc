package dev.payflow.core.payments;

import static dev.payflow.core.testing.FakePayPal.ORDERS;
import static dev.payflow.core.testing.FakePayPal.VERIFY_WEBHOOK;
import static dev.payflow.core.testing.FakePayPal.captureResource;
import static dev.payflow.core.testing.FakePayPal.captured;
import static dev.payflow.core.testing.FakePayPal.event;
import static dev.payflow.core.testing.FakePayPal.newOrderId;
import static dev.payflow.core.testing.FakePayPal.order;
import static dev.payflow.core.testing.FakePayPal.refundResource;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.testing.FakePayPal;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GatewayEvent;
import dev.payflow.proto.v1.GatewayEventAdminServiceGrpc;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.ListGatewayEventsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Refund;
import dev.payflow.proto.v1.RefundPaymentRequest;
import dev.payflow.proto.v1.ReplayGatewayEventRequest;
import dev.payflow.proto.v1.Wallet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * POST /api/v1/webhooks/paypal against the fake PayPal: verified by PayPal's own API with the raw
 * body unchanged, refused when forged, unverifiable or stale, applied once per event id and in any
 * order (the order is read back from PayPal), and replayable by operators.
 */
class PayPalWebhookTest {
    private static final String VAULT_TOKEN = "8kk8451t";
    private static FakePayPal paypal;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        paypal = FakePayPal.start();
        // Both modes at the fake: a delivery's mode is the one whose webhook id PayPal confirms.
        payflow = TestServer.startWithPayPal(paypal.configWithLive(), TestClock.system());
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
        paypal.answersVerification("SUCCESS");
    }

    private static Map<String, String> transmittedAt(Instant time) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("PAYPAL-TRANSMISSION-ID", UUID.randomUUID().toString());
        headers.put("PAYPAL-TRANSMISSION-TIME", time.toString());
        headers.put("PAYPAL-TRANSMISSION-SIG", "c2lnbmF0dXJlLW9mLXRoZS1mYWtl");
        headers.put("PAYPAL-CERT-URL", FakePayPal.CERT_URL);
        headers.put("PAYPAL-AUTH-ALGO", "SHA256withRSA");
        return headers;
    }

    private static TestServer.Rest deliver(String body, Map<String, String> headers) {
        return payflow.rest("POST", "/api/v1/webhooks/paypal", null, body, headers);
    }

    private static TestServer.Rest deliver(String body) {
        return deliver(body, transmittedAt(payflow.clock().instant()));
    }

    private static String newEventId() {
        return "WH-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17).toUpperCase(java.util.Locale.ROOT);
    }

    private static Payment reload(Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    private static GatewayEventAdminServiceGrpc.GatewayEventAdminServiceBlockingStub admin() {
        return TestServer.withBearer(GatewayEventAdminServiceGrpc.newBlockingStub(payflow.channel()), TestServer.ADMIN_TOKEN)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static Optional<GatewayEvent> stored(String providerEventId) {
        return admin().listGatewayEvents(ListGatewayEventsRequest.newBuilder().setPageSize(200).build()).getGatewayEventsList().stream()
                .filter(event -> event.getProviderEventId().equals(providerEventId)).findFirst();
    }

    private static CreatePaymentRequest.Builder throughPayPal(Wallet wallet, String amount, String paymentMethod) {
        return CreatePaymentRequest.newBuilder().setProvider("paypal").setAmount(amount).setCurrency("USD").setPaymentMethod(paymentMethod)
                .setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey());
    }

    /** A payment whose order waits for the payer's approval. */
    private static Payment awaitingApproval(Wallet wallet, String orderId, String amount) {
        paypal.answersPost(ORDERS, 200, order(orderId, "PAYER_ACTION_REQUIRED", "CAPTURE", "pmt_x", amount, "USD", ""));
        Payment waiting = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, amount, "paypal").build());
        assertThat(waiting.getStatus()).isEqualTo(Payment.Status.requires_action);
        return waiting;
    }

    private static double signatureFailures() throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:"
                + payflow.server().managementPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher line = Pattern.compile("(?m)^payflow_webhook_signature_failures_total\\{provider=\"paypal\"} ([0-9.E]+)$").matcher(metrics.body());
        return line.find() ? Double.parseDouble(line.group(1)) : 0;
    }

    /** The text PayFlow sent PayPal as {@code webhook_event}: the last field, up to the request's closing brace. */
    private static String embeddedEvent(LoggedRequest verification) {
        String sent = verification.getBodyAsString();
        String field = "\"webhook_event\":";
        return sent.substring(sent.indexOf(field) + field.length(), sent.length() - 1);
    }

    @Test
    void anApprovedOrderIsCapturedOnceByItsWebhookEvenWhenPayPalDeliversTheEventTwice() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        Payment waiting = awaitingApproval(wallet, orderId, "25.00");
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "APPROVED", "CAPTURE", waiting.getId(), "25.00", "USD", ""));
        paypal.answersPost(ORDERS + "/" + orderId + "/capture", 201, order(orderId, "COMPLETED", "CAPTURE", waiting.getId(), "25.00", "USD",
                captured("CAP" + orderId, "COMPLETED", "25.00", "USD")));
        String eventId = newEventId();
        String body = event(eventId, "CHECKOUT.ORDER.APPROVED", "checkout-order", order(orderId, "APPROVED", "CAPTURE", waiting.getId(), "25.00",
                "USD", ""));
        Map<String, String> headers = transmittedAt(payflow.clock().instant());

        TestServer.Rest first = deliver(body, headers);
        TestServer.Rest again = deliver(body, transmittedAt(payflow.clock().instant()));

        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        Payment approved = reload(waiting);
        assertThat(approved.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("25.00");
        assertThat(paypal.postsTo(ORDERS + "/" + orderId + "/capture")).singleElement()
                .satisfies(capture -> assertThat(capture.getHeader("PayPal-Request-Id")).isEqualTo(waiting.getId() + ":capture"));
        // What PayPal was asked: the headers, our sandbox webhook id, and the body exactly as it came, not re-serialised.
        LoggedRequest verification = paypal.postsTo(VERIFY_WEBHOOK).get(0);
        JsonObject asked = JsonParser.parseString(verification.getBodyAsString()).getAsJsonObject();
        assertThat(asked.get("webhook_id").getAsString()).isEqualTo(FakePayPal.WEBHOOK_ID_TEST);
        assertThat(asked.get("transmission_id").getAsString()).isEqualTo(headers.get("PAYPAL-TRANSMISSION-ID"));
        assertThat(asked.get("transmission_time").getAsString()).isEqualTo(headers.get("PAYPAL-TRANSMISSION-TIME"));
        assertThat(asked.get("transmission_sig").getAsString()).isEqualTo(headers.get("PAYPAL-TRANSMISSION-SIG"));
        assertThat(asked.get("cert_url").getAsString()).isEqualTo(FakePayPal.CERT_URL);
        assertThat(asked.get("auth_algo").getAsString()).isEqualTo("SHA256withRSA");
        assertThat(embeddedEvent(verification)).isEqualTo(body);
        assertThat(verification.getHeader("Authorization")).isEqualTo("Bearer A21AAFakeAccessToken");
        GatewayEvent kept = stored(eventId).orElseThrow();
        assertThat(kept.getGateway()).isEqualTo("paypal");
        assertThat(kept.getType()).isEqualTo("CHECKOUT.ORDER.APPROVED");
        assertThat(kept.getLivemode()).isFalse();
        assertThat(kept.getProcessed()).isTrue();
        assertThat(kept.getAttempts()).isEqualTo(1);
        assertThat(kept.getPayload()).isEqualTo(body);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void theModeOfADeliveryIsTheOneWhoseWebhookIdPayPalConfirms() {
        paypal.reset();
        paypal.answersVerificationFor(FakePayPal.WEBHOOK_ID_TEST, "FAILURE");
        paypal.answersVerificationFor(FakePayPal.WEBHOOK_ID_LIVE, "SUCCESS");
        String liveEvent = newEventId();
        Map<String, String> liveCertificate = transmittedAt(payflow.clock().instant());
        liveCertificate.put("PAYPAL-CERT-URL", "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-live");

        assertThat(deliver(event(liveEvent, "PAYMENT.CAPTURE.COMPLETED", "capture", captureResource("CAP3", "COMPLETED", "5.00", newOrderId(),
                "pmt_unknown")), liveCertificate).status()).isEqualTo(200);

        assertThat(stored(liveEvent).orElseThrow().getLivemode()).isTrue();
        // A live certificate: the live webhook id is asked first, and once is enough.
        assertThat(paypal.postsTo(VERIFY_WEBHOOK)).singleElement().satisfies(asked -> assertThat(JsonParser.parseString(
                asked.getBodyAsString()).getAsJsonObject().get("webhook_id").getAsString()).isEqualTo(FakePayPal.WEBHOOK_ID_LIVE));

        // A sandbox certificate that only the live webhook id verifies: the sandbox is asked first, then live.
        String secondEvent = newEventId();
        assertThat(deliver(event(secondEvent, "PAYMENT.CAPTURE.COMPLETED", "capture", captureResource("CAP4", "COMPLETED", "5.00", newOrderId(),
                "pmt_unknown"))).status()).isEqualTo(200);
        assertThat(stored(secondEvent).orElseThrow().getLivemode()).isTrue();
        assertThat(paypal.postsTo(VERIFY_WEBHOOK)).hasSize(3);
    }

    @Test
    void aDeliveryPayPalCallsForgedIsRefusedStoresNothingAndIsCounted() throws Exception {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        Payment waiting = awaitingApproval(wallet, orderId, "10.00");
        paypal.answersVerification("FAILURE");
        String eventId = newEventId();
        double before = signatureFailures();

        TestServer.Rest refused = deliver(event(eventId, "CHECKOUT.ORDER.APPROVED", "checkout-order", order(orderId, "APPROVED", "CAPTURE",
                waiting.getId(), "10.00", "USD", "")));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().getAsJsonArray("details").get(0).getAsJsonObject().get("reason").getAsString()).isEqualTo("INVALID_SIGNATURE");
        assertThat(stored(eventId)).isEmpty();
        assertThat(paypal.getsOf(ORDERS + "/" + orderId)).isEmpty();
        assertThat(reload(waiting).getStatus()).isEqualTo(Payment.Status.requires_action);
        assertThat(signatureFailures()).isEqualTo(before + 1);
    }

    @Test
    void aDeliveryPayPalCannotVerifyBecauseItIsDownIsRefusedAsInvalidSignature() {
        paypal.answersPost(VERIFY_WEBHOOK, 503, "{\"name\":\"SERVICE_UNAVAILABLE\"}");
        String eventId = newEventId();

        TestServer.Rest refused = deliver(event(eventId, "PAYMENT.CAPTURE.COMPLETED", "capture", captureResource("CAP1", "COMPLETED", "5.00",
                newOrderId(), "pmt_unknown")));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().getAsJsonArray("details").get(0).getAsJsonObject().get("reason").getAsString()).isEqualTo("INVALID_SIGNATURE");
        assertThat(stored(eventId)).isEmpty();
    }

    @Test
    void aStaleOrFutureTransmissionOrAMissingHeaderIsRefusedWithoutAskingPayPal() {
        String body = event(newEventId(), "PAYMENT.CAPTURE.COMPLETED", "capture", captureResource("CAP2", "COMPLETED", "5.00", newOrderId(),
                "pmt_unknown"));
        Instant now = payflow.clock().instant();
        Map<String, String> missing = transmittedAt(now);
        missing.remove("PAYPAL-TRANSMISSION-SIG");

        for (Map<String, String> headers : java.util.List.of(transmittedAt(now.minus(Duration.ofMinutes(6))),
                transmittedAt(now.plus(Duration.ofMinutes(6))), missing)) {
            TestServer.Rest refused = deliver(body, headers);
            assertThat(refused.status()).as(headers.toString()).isEqualTo(400);
            assertThat(refused.body().getAsJsonArray("details").get(0).getAsJsonObject().get("reason").getAsString())
                    .isEqualTo("INVALID_SIGNATURE");
        }
        assertThat(paypal.postsTo(VERIFY_WEBHOOK)).isEmpty();
        // Within the bound either way is accepted.
        assertThat(deliver(body, transmittedAt(now.minus(Duration.ofMinutes(4)))).status()).isEqualTo(200);
    }

    @Test
    void aRefundEventBeforeTheOlderCaptureEventEndsInPayPalsStateAndBooksEachOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        String captureId = "CAP" + orderId;
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "CAPTURE", "pmt_x", "50.00", "USD",
                captured(captureId, "COMPLETED", "50.00", "USD")));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(throughPayPal(wallet, "50.00", VAULT_TOKEN).build());
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "CAPTURE", payment.getId(), "50.00", "USD",
                captured(captureId, "COMPLETED", "50.00", "USD")));
        paypal.answersPost("/v2/payments/captures/" + captureId + "/refund", 201, FakePayPal.refund("REF" + orderId, "PENDING", "20.00", "USD"));
        Refund refund = payflow.payments(partner.sandboxKey()).refundPayment(RefundPaymentRequest.newBuilder().setId(payment.getId())
                .setAmount("20.00").setReason("requested_by_customer").setIdempotencyKey(newIdempotencyKey()).build());
        assertThat(refund.getStatus()).isEqualTo(Refund.Status.pending);
        // PayPal now holds the capture partially refunded.
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "CAPTURE", payment.getId(), "50.00", "USD",
                captured(captureId, "PARTIALLY_REFUNDED", "50.00", "USD")));

        assertThat(deliver(event(newEventId(), "PAYMENT.CAPTURE.REFUNDED", "refund", refundResource("REF" + orderId, "COMPLETED", "20.00",
                refund.getId()))).status()).isEqualTo(200);
        assertThat(deliver(event(newEventId(), "PAYMENT.CAPTURE.COMPLETED", "capture", captureResource(captureId, "COMPLETED", "50.00", orderId,
                payment.getId()))).status()).isEqualTo(200);

        Payment after = reload(payment);
        assertThat(after.getStatus()).isEqualTo(Payment.Status.partially_refunded);
        assertThat(payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build())
                .getAmountRefunded()).isEqualTo("20.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aDeniedCaptureFailsThePaymentAndBooksNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        Payment waiting = awaitingApproval(wallet, orderId, "30.00");
        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "COMPLETED", "CAPTURE", waiting.getId(), "30.00", "USD",
                captured("CAP" + orderId, "DECLINED", "30.00", "USD")));

        assertThat(deliver(event(newEventId(), "PAYMENT.CAPTURE.DENIED", "capture", captureResource("CAP" + orderId, "DECLINED", "30.00", orderId,
                waiting.getId()))).status()).isEqualTo(200);

        Payment failed = reload(waiting);
        assertThat(failed.getStatus()).isEqualTo(Payment.Status.failed);
        assertThat(failed.getTransactionId()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void anEventThatCouldNotBeAppliedWhilePayPalWasDownWaitsAndAnOperatorsReplayAppliesIt() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        Payment waiting = awaitingApproval(wallet, orderId, "12.00");
        paypal.answersGetWith(ORDERS + "/" + orderId, 503, "{\"name\":\"SERVICE_UNAVAILABLE\"}");
        String eventId = newEventId();

        assertThat(deliver(event(eventId, "CHECKOUT.ORDER.APPROVED", "checkout-order", order(orderId, "APPROVED", "CAPTURE", waiting.getId(),
                "12.00", "USD", ""))).status()).isEqualTo(200);

        GatewayEvent kept = stored(eventId).orElseThrow();
        assertThat(kept.getProcessed()).isFalse();
        assertThat(kept.getLastError()).contains("PayPal did not answer about order " + orderId);
        assertThat(reload(waiting).getStatus()).isEqualTo(Payment.Status.requires_action);

        paypal.answersGet(ORDERS + "/" + orderId, order(orderId, "APPROVED", "CAPTURE", waiting.getId(), "12.00", "USD", ""));
        paypal.answersPost(ORDERS + "/" + orderId + "/capture", 201, order(orderId, "COMPLETED", "CAPTURE", waiting.getId(), "12.00", "USD",
                captured("CAP" + orderId, "COMPLETED", "12.00", "USD")));
        GatewayEvent replayed = admin().replayGatewayEvent(ReplayGatewayEventRequest.newBuilder().setId(kept.getId()).build());
        GatewayEvent replayedAgain = admin().replayGatewayEvent(ReplayGatewayEventRequest.newBuilder().setId(kept.getId()).build());

        assertThat(replayed.getProcessed()).isTrue();
        assertThat(replayed.getGateway()).isEqualTo("paypal");
        assertThat(replayedAgain.getAttempts()).isEqualTo(3);
        assertThat(reload(waiting).getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("12.00");
        assertThat(paypal.postsTo(ORDERS + "/" + orderId + "/capture")).as("PayPal captures once per request id; we ask with one")
                .allSatisfy(capture -> assertThat(capture.getHeader("PayPal-Request-Id")).isEqualTo(waiting.getId() + ":capture"));
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void anEventForAPaymentNotRecordedYetWaitsAndTheWorkerAppliesItOnceThePaymentIsKnown() {
        String orderId = newOrderId();
        String eventId = newEventId();
        assertThat(deliver(event(eventId, "PAYMENT.CAPTURE.COMPLETED", "capture", captureResource("CAP" + orderId, "COMPLETED", "5.00", orderId,
                "pmt_notrecordedyet"))).status()).isEqualTo(200);

        GatewayEvent kept = stored(eventId).orElseThrow();
        assertThat(kept.getProcessed()).isFalse();
        assertThat(kept.getLastError()).contains("no payment recorded yet for order " + orderId);
        payflow.server().paypalWebhooks().applyWaiting();
        assertThat(stored(eventId).orElseThrow().getProcessed()).isFalse();
        assertThat(paypal.getsOf(ORDERS + "/" + orderId)).as("no payment, so PayPal is not asked").isEmpty();
    }
}
