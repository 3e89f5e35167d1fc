package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.ourPaymentIntent;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.FakeStripe;
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
import dev.payflow.proto.v1.ReplayGatewayEventRequest;
import dev.payflow.proto.v1.Wallet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /api/v1/webhooks/stripe: signed exactly as Stripe signs, applied once, out of order safely. */
class StripeWebhookTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), TestClock.frozenAt(NOW));
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

    private static TestServer.Rest deliver(String body, String signatureHeader) {
        return payflow.rest("POST", "/api/v1/webhooks/stripe", null, body,
                signatureHeader == null ? Map.of() : Map.of("Stripe-Signature", signatureHeader));
    }

    private static TestServer.Rest deliverSigned(String body, String secret) {
        return deliver(body, signature(secret, payflow.clock().instant().getEpochSecond(), body.getBytes(StandardCharsets.UTF_8)));
    }

    private static String newEventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** A sandbox payment for which Stripe answered requires_action: the webhook decides what becomes of it. */
    private static Payment paymentAwaitingThreeDSecure(Wallet wallet, String intent, long amountMinor) {
        stripe.answersCreateWith(paymentIntent(intent, "requires_action", amountMinor, "usd", "\"next_action\":{\"type\":\"use_stripe_sdk\"}"));
        return payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amountMinor / 100 + ".00")
                .setCurrency("USD").setPaymentMethod("pm_card_threeDSecure2Required").setWalletId(wallet.getId())
                .setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static Payment reload(Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    private static long storedEvents() {
        return payflow.server().database().reader().fetchCount(DSL.table("gateway_events"));
    }

    private static GatewayEventAdminServiceGrpc.GatewayEventAdminServiceBlockingStub admin() {
        return TestServer.withBearer(GatewayEventAdminServiceGrpc.newBlockingStub(payflow.channel()), TestServer.ADMIN_TOKEN)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void aThreeDSecurePaymentSucceedsByWebhookAndADuplicateDeliveryChangesNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = paymentAwaitingThreeDSecure(wallet, intent, 3000);
        assertThat(payment.getStatus()).isEqualTo(Payment.Status.requires_action);
        String succeeded = event(newEventId(), "payment_intent.succeeded", false, ourPaymentIntent(intent, "succeeded", 3000, payment.getId(), ""));

        TestServer.Rest first = deliverSigned(succeeded, FakeStripe.WEBHOOK_SECRET_TEST);
        long storedAfterFirst = storedEvents();
        TestServer.Rest again = deliverSigned(succeeded, FakeStripe.WEBHOOK_SECRET_TEST);

        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(storedEvents()).isEqualTo(storedAfterFirst);
        Payment now = reload(payment);
        assertThat(now.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(now.getNextAction().getType()).isEmpty();
        Payment.StatusChange last = now.getStatusHistory(now.getStatusHistoryCount() - 1);
        assertThat(last.getCause()).isEqualTo("webhook");
        assertThat(last.getCauseId()).startsWith("gwe_");
        assertThat(now.getStatusHistoryList()).filteredOn(change -> change.getStatus() == Payment.Status.succeeded).hasSize(1);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aFailureThatArrivesAfterTheSuccessTakesNothingBack() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = paymentAwaitingThreeDSecure(wallet, intent, 1000);
        deliverSigned(event(newEventId(), "payment_intent.succeeded", false, ourPaymentIntent(intent, "succeeded", 1000, payment.getId(), "")),
                FakeStripe.WEBHOOK_SECRET_TEST);

        TestServer.Rest late = deliverSigned(event(newEventId(), "payment_intent.payment_failed", false, ourPaymentIntent(intent,
                "requires_payment_method", 1000, payment.getId(), "\"last_payment_error\":{\"code\":\"card_declined\",\"message\":\"declined\"}")),
                FakeStripe.WEBHOOK_SECRET_TEST);

        assertThat(late.status()).isEqualTo(200);
        assertThat(reload(payment).getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
    }

    @Test
    void aFailureByWebhookFailsAPaymentThatAwaitedThreeDSecureWithStripesCode() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = paymentAwaitingThreeDSecure(wallet, intent, 1000);

        deliverSigned(event(newEventId(), "payment_intent.payment_failed", false, ourPaymentIntent(intent, "requires_payment_method", 1000,
                payment.getId(), "\"last_payment_error\":{\"code\":\"authentication_required\",\"message\":\"3DS failed\"}")),
                FakeStripe.WEBHOOK_SECRET_TEST);

        Payment now = reload(payment);
        assertThat(now.getStatus()).isEqualTo(Payment.Status.failed);
        assertThat(now.getFailureCode()).isEqualTo("authentication_required");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void badStaleFutureAndMissingSignaturesAre400InvalidSignatureAndStoreNothing() {
        String body = event(newEventId(), "payment_intent.succeeded", false, paymentIntent(newPaymentIntentId(), "succeeded", 100, "usd", ""));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long now = payflow.clock().instant().getEpochSecond();
        long before = storedEvents();

        assertRestError(deliver(body, signature("whsec_somebody_else", now, bytes)), 400, "INVALID_SIGNATURE");
        assertRestError(deliver(body, signature(FakeStripe.WEBHOOK_SECRET_TEST, now - 301, bytes)), 400, "INVALID_SIGNATURE");
        assertRestError(deliver(body, signature(FakeStripe.WEBHOOK_SECRET_TEST, now + 301, bytes)), 400, "INVALID_SIGNATURE");
        assertRestError(deliver(body, null), 400, "INVALID_SIGNATURE");
        assertRestError(deliver(body, "t=" + now), 400, "INVALID_SIGNATURE");
        assertRestError(deliver(body + " ", signature(FakeStripe.WEBHOOK_SECRET_TEST, now, bytes)), 400, "INVALID_SIGNATURE");
        assertThat(storedEvents()).isEqualTo(before);

        // Just inside the tolerance, both ways, and with either mode's secret, the same body is taken.
        assertThat(deliver(body, signature(FakeStripe.WEBHOOK_SECRET_TEST, now - 299, bytes)).status()).isEqualTo(200);
        assertThat(deliver(body, signature(FakeStripe.WEBHOOK_SECRET_LIVE, now + 299, bytes)).status()).isEqualTo(200);
        assertThat(storedEvents()).isEqualTo(before + 1);
    }

    @Test
    void anOversizedBodyIsRefusedBeforeAnythingIsStored() {
        String body = event(newEventId(), "customer.created", false, "{\"id\":\"cus_1\",\"object\":\"customer\",\"note\":\""
                + "x".repeat(300 * 1024) + "\"}");
        long before = storedEvents();

        assertRestError(deliverSigned(body, FakeStripe.WEBHOOK_SECRET_TEST), 400, "MALFORMED_REQUEST");
        assertThat(storedEvents()).isEqualTo(before);
    }

    @Test
    void aTestModeEventSignedWithTheLiveSecretIsStoredAnsweredAndAppliedInTestMode() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = paymentAwaitingThreeDSecure(wallet, intent, 500);

        TestServer.Rest delivered = deliverSigned(event(newEventId(), "payment_intent.succeeded", false,
                ourPaymentIntent(intent, "succeeded", 500, payment.getId(), "")), FakeStripe.WEBHOOK_SECRET_LIVE);

        assertThat(delivered.status()).isEqualTo(200);
        assertThat(reload(payment).getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("5.00");
    }

    @Test
    void aWebhookThatOvertakesStripesAnswerToOurCallCreditsOnceAndTheLateAnswerChangesNothing() throws Exception {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateSlowlyWith(paymentIntent(intent, "succeeded", 4200, "usd", ""), 3_000);
        CompletableFuture<Payment> created = CompletableFuture.supplyAsync(() -> payflow.payments(partner.sandboxKey()).createPayment(
                CreatePaymentRequest.newBuilder().setAmount("42.00").setCurrency("USD").setPaymentMethod("pm_card_visa")
                        .setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build()));
        String paymentId = awaitPendingPayment(wallet);

        TestServer.Rest webhook = deliverSigned(event(newEventId(), "payment_intent.succeeded", false,
                ourPaymentIntent(intent, "succeeded", 4200, paymentId, "")), FakeStripe.WEBHOOK_SECRET_TEST);
        Payment answered = created.get(30, TimeUnit.SECONDS);

        assertThat(webhook.status()).isEqualTo(200);
        assertThat(answered.getId()).isEqualTo(paymentId);
        assertThat(answered.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(answered.getStatusHistoryList()).extracting(Payment.StatusChange::getCause).containsExactly("api", "webhook");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("42.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    /** The id of the wallet's one payment, once it is recorded (pending, its Stripe call under way). */
    private static String awaitPendingPayment(Wallet wallet) throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            var page = payflow.payments(partner.sandboxKey()).listPayments(dev.payflow.proto.v1.ListPaymentsRequest.newBuilder()
                    .setWalletId(wallet.getId()).build());
            if (page.getPaymentsCount() == 1) {
                assertThat(page.getPayments(0).getStatus()).isEqualTo(Payment.Status.pending);
                return page.getPayments(0).getId();
            }
            // Polls a real HTTP call in flight (the fake's delay), not the clock: there is nothing to advance.
            Thread.sleep(10);
        }
        throw new AssertionError("the payment was never recorded");
    }

    @Test
    void anEventForAPaymentIntentNotRecordedYetIsKeptWaitingAndOperatorsSeeAndReplayIt() {
        String intent = newPaymentIntentId();
        String type = "payment_intent.amount_capturable_updated";
        String body = event(newEventId(), type, false, paymentIntent(intent, "requires_capture", 100, "usd", ""));

        assertThat(deliverSigned(body, FakeStripe.WEBHOOK_SECRET_TEST).status()).isEqualTo(200);
        payflow.server().stripeWebhooks().applyWaiting();

        GatewayEvent waiting = admin().listGatewayEvents(ListGatewayEventsRequest.newBuilder().setType(type).setProcessed(false).build())
                .getGatewayEventsList().stream().filter(e -> e.getPayload().equals(body)).findFirst().orElseThrow();
        assertThat(waiting.getId()).startsWith("gwe_");
        assertThat(waiting.getProviderEventId()).startsWith("evt_");
        assertThat(waiting.getLastError()).contains(intent);
        assertThat(waiting.getAttempts()).isEqualTo(2);
        GatewayEvent replayed = admin().replayGatewayEvent(ReplayGatewayEventRequest.newBuilder().setId(waiting.getId()).build());
        assertThat(replayed.getProcessed()).isFalse();
        assertThat(replayed.getAttempts()).isEqualTo(3);
    }

    @Test
    void anOperatorsReplayOfAnAppliedEventChangesNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = paymentAwaitingThreeDSecure(wallet, intent, 700);
        String eventId = newEventId();
        deliverSigned(event(eventId, "payment_intent.succeeded", false, ourPaymentIntent(intent, "succeeded", 700, payment.getId(), "")),
                FakeStripe.WEBHOOK_SECRET_TEST);
        GatewayEvent stored = admin().listGatewayEvents(ListGatewayEventsRequest.newBuilder().setLivemode(false).setProcessed(true).build())
                .getGatewayEventsList().stream().filter(e -> e.getProviderEventId().equals(eventId)).findFirst().orElseThrow();

        GatewayEvent replayed = admin().replayGatewayEvent(ReplayGatewayEventRequest.newBuilder().setId(stored.getId()).build());

        assertThat(replayed.getProcessed()).isTrue();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("7.00");
        assertThat(reload(payment).getStatusHistoryCount()).isEqualTo(3);
        TestServer.Rest unknown = payflow.rest("POST", "/api/admin/gateway-events/gwe_" + "0".repeat(26) + "/replay", TestServer.ADMIN_TOKEN, "{}");
        assertRestError(unknown, 404, "GATEWAY_EVENT_NOT_FOUND");
    }
}
