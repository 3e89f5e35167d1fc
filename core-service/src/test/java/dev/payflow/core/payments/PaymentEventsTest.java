package dev.payflow.core.payments;

import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.ListEventsResponse;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Refund;
import dev.payflow.proto.v1.RefundPaymentRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WebhookEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Payments announce their changes to the partner through the outbox, in the transaction of the
 * change: one payment.succeeded per captured payment (with the wallet events of its credit),
 * payment.failed, payment.refunded for each refund, refund.failed when Stripe fails one; and a
 * replayed create or a duplicate webhook announces nothing twice.
 */
class PaymentEventsTest {
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

    @Test
    void aSucceededPaymentAnnouncesItselfOnceBesideTheFundsAddedToItsWalletAndAReplayAnnouncesNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 2500, "usd", ""));
        CreatePaymentRequest request = CreatePaymentRequest.newBuilder().setAmount("25.00").setCurrency("USD").setPaymentMethod("pm_card_visa")
                .setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build();
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(request);
        payflow.payments(partner.sandboxKey()).createPayment(request);

        List<WebhookEvent> events = eventsAbout(payment.getId());
        assertThat(events).extracting(WebhookEvent::getType).containsExactly("payment.succeeded");
        JsonObject data = json(events.get(0));
        assertThat(data.get("paymentId").getAsString()).isEqualTo(payment.getId());
        assertThat(data.get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(data.get("amount").getAsString()).isEqualTo("25.00");
        assertThat(data.get("amountRefunded").getAsString()).isEqualTo("0.00");
        assertThat(data.get("status").getAsString()).isEqualTo("succeeded");
        assertThat(data.get("transactionId").getAsString()).isEqualTo(payment.getTransactionId()).startsWith("txn_");
        assertThat(data.getAsJsonObject("object").get("providerPaymentId").getAsString()).isEqualTo(intent);
        assertThat(data.getAsJsonObject("object").getAsJsonArray("statusHistory")).hasSize(2);
        assertThat(eventsNaming("transactionId", payment.getTransactionId())).extracting(WebhookEvent::getType)
                .contains("wallet.funds_added", "wallet.credited", "transaction.completed");
    }

    @Test
    void aPaymentToSettlementAnnouncesItsSuccessAndItsTransactionWithoutAWallet() {
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 900, "usd", ""));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("9.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(eventsAbout(payment.getId())).extracting(WebhookEvent::getType).containsExactly("payment.succeeded");
        List<WebhookEvent> transactionEvents = eventsNaming("transactionId", payment.getTransactionId());
        assertThat(transactionEvents).extracting(WebhookEvent::getType).contains("transaction.completed")
                .doesNotContain("wallet.funds_added", "wallet.credited");
        assertThat(transactionEvents).filteredOn(e -> e.getType().equals("transaction.completed"))
                .allSatisfy(e -> assertThat(json(e).get("walletId").getAsString()).isEmpty());
    }

    @Test
    void aDeclinedPaymentAnnouncesPaymentFailedWithStripesCode() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        stripe.declinesCreate(newPaymentIntentId(), "card_declined", "generic_decline", "Your card was declined.", 1200, "usd");
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("12.00")
                .setCurrency("USD").setPaymentMethod("pm_card_chargeDeclined").setWalletId(wallet.getId())
                .setIdempotencyKey(newIdempotencyKey()).build());

        List<WebhookEvent> events = eventsAbout(payment.getId());
        assertThat(events).extracting(WebhookEvent::getType).containsExactly("payment.failed");
        assertThat(json(events.get(0)).getAsJsonObject("object").get("failureCode").getAsString()).isEqualTo("card_declined");
        assertThat(json(events.get(0)).get("transactionId").getAsString()).isEmpty();
    }

    @Test
    void eachPartialRefundAnnouncesPaymentRefundedWithTheAmountRefundedSoFar() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 3000, "usd", ""));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("30.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());
        stripe.alsoAnswers("/v1/refunds", 200, FakeStripe.refund("re_" + shortId(), intent, 1000, "succeeded", "ref_any"));

        payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "10.00"));
        payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "10.00"));

        List<WebhookEvent> events = eventsAbout(payment.getId());
        assertThat(events).extracting(WebhookEvent::getType).containsExactly("payment.succeeded", "payment.refunded", "payment.refunded");
        assertThat(events.subList(1, 3)).extracting(e -> json(e).get("amountRefunded").getAsString()).containsExactly("10.00", "20.00");
        assertThat(events.subList(1, 3)).extracting(e -> json(e).get("status").getAsString())
                .containsExactly("partially_refunded", "partially_refunded");
    }

    @Test
    void aRefundStripeFailsLaterAnnouncesRefundFailedOnceAndNoSecondSuccess() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 2500, "usd", ""));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("25.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());
        String stripeRefund = "re_" + shortId();
        stripe.alsoAnswers("/v1/refunds", 200, FakeStripe.refund(stripeRefund, intent, 1000, "pending", "ref_unknown_yet"));
        Refund pending = payflow.payments(partner.sandboxKey()).refundPayment(refund(payment, "10.00"));
        String failed = event("evt_" + shortId(), "charge.refund.updated", false, FakeStripe.refund(stripeRefund, intent, 1000, "failed", pending.getId()));
        String header = signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), failed.getBytes(StandardCharsets.UTF_8));

        assertThat(payflow.rest("POST", "/api/v1/webhooks/stripe", null, failed, Map.of("Stripe-Signature", header)).status()).isEqualTo(200);
        assertThat(payflow.rest("POST", "/api/v1/webhooks/stripe", null, failed, Map.of("Stripe-Signature", header)).status()).isEqualTo(200);

        assertThat(eventsAbout(payment.getId())).extracting(WebhookEvent::getType)
                .containsExactly("payment.succeeded", "payment.refunded", "refund.failed");
        WebhookEvent refundFailed = eventsAbout(payment.getId()).get(2);
        assertThat(json(refundFailed).get("refundId").getAsString()).isEqualTo(pending.getId());
        assertThat(json(refundFailed).get("status").getAsString()).isEqualTo("failed");
        assertThat(json(refundFailed).getAsJsonObject("object").get("status").getAsString()).isEqualTo("failed");
    }

    private static RefundPaymentRequest refund(Payment payment, String amount) {
        return RefundPaymentRequest.newBuilder().setId(payment.getId()).setAmount(amount).setReason("requested_by_customer")
                .setIdempotencyKey(newIdempotencyKey()).build();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** The partner's events whose data names this payment, oldest first. */
    private static List<WebhookEvent> eventsAbout(String paymentId) {
        return eventsNaming("paymentId", paymentId);
    }

    private static List<WebhookEvent> eventsNaming(String field, String value) {
        List<WebhookEvent> all = new ArrayList<>();
        String token = "";
        do {
            ListEventsResponse page = payflow.webhooks(partner.sandboxKey())
                    .listEvents(ListEventsRequest.newBuilder().setPageSize(200).setPageToken(token).build());
            all.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        List<WebhookEvent> matching = new ArrayList<>(all.stream()
                .filter(e -> json(e).has(field) && json(e).get(field).getAsString().equals(value)).toList());
        Collections.reverse(matching);
        return matching;
    }

    private static JsonObject json(WebhookEvent event) {
        try {
            return JsonParser.parseString(JsonFormat.printer().print(event.getData())).getAsJsonObject();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
