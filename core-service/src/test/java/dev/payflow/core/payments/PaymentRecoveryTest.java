package dev.payflow.core.payments;

import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.ourPaymentIntent;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.config.StripeConfig;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Wallet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery of payments whose outcome was lost (Stripe's answer never reached our commit: a
 * timeout, a 5xx, a process that died after the call), on the test clock instead of sleeping.
 */
class PaymentRecoveryTest {
    private static final Duration AFTER = Duration.ofMillis(StripeConfig.RECOVERY_AFTER_MS_DEFAULT);
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), TestClock.frozenAt(Instant.parse("2026-12-01T06:00:00Z")));
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

    @BeforeEach
    void settleWhatEarlierTestsLeftOpen() {
        // Each test starts with nothing due: what another test left open is pushed out of the way.
        payflow.clock().advance(Duration.ofDays(2));
        stripe.alsoAnswersGet("/v1/payment_intents/search", FakeStripe.searchResult());
        payflow.server().paymentRecovery().recoverDue();
    }

    /** A payment whose create Stripe failed with a 503: for all PayFlow knows, Stripe may have charged it. */
    private static Payment paymentWithALostAnswer(Wallet wallet, String amount) {
        stripe.failsCreateWith(503);
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amount)
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());
        assertThat(payment.getStatus()).isEqualTo(Payment.Status.pending);
        assertThat(payment.getProviderPaymentId()).isEmpty();
        return payment;
    }

    private static Payment reload(Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    @Test
    void aChargeStripeTookButWhoseAnswerWasLostIsFoundByRecoveryAndCreditedExactlyOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Payment payment = paymentWithALostAnswer(wallet, "30.00");
        String intent = newPaymentIntentId();
        // Stripe did charge it: the same call with the same key now answers the PaymentIntent.
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 3000, "usd", ""));

        assertThat(payflow.server().paymentRecovery().recoverDue()).as("not due before the recovery delay").isZero();
        payflow.clock().advance(AFTER.plusSeconds(1));
        assertThat(payflow.server().paymentRecovery().recoverDue()).isEqualTo(1);
        assertThat(payflow.server().paymentRecovery().recoverDue()).isZero();

        Payment recovered = reload(payment);
        assertThat(recovered.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(recovered.getProviderPaymentId()).isEqualTo(intent);
        assertThat(recovered.getStatusHistory(recovered.getStatusHistoryCount() - 1).getCause()).isEqualTo("recovery");
        assertThat(stripe.createRequests()).singleElement()
                .satisfies(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo(payment.getId() + ":create"));
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");

        // Stripe's webhook for the same charge, arriving after recovery booked it, books nothing more.
        String succeeded = event("evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20), "payment_intent.succeeded", false,
                ourPaymentIntent(intent, "succeeded", 3000, payment.getId(), ""));
        TestServer.Rest webhook = payflow.rest("POST", "/api/v1/webhooks/stripe", null, succeeded, Map.of("Stripe-Signature",
                signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), succeeded.getBytes(StandardCharsets.UTF_8))));
        assertThat(webhook.status()).isEqualTo(200);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aChargeStripeNeverTookIsFailedByRecoveryWithStripesAnswerToTheSameCall() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Payment payment = paymentWithALostAnswer(wallet, "8.00");
        stripe.declinesCreate(newPaymentIntentId(), "card_declined", "insufficient_funds", "Your card has insufficient funds.", 800, "usd");

        payflow.clock().advance(AFTER.plusSeconds(1));
        payflow.server().paymentRecovery().recoverDue();

        Payment recovered = reload(payment);
        assertThat(recovered.getStatus()).isEqualTo(Payment.Status.failed);
        assertThat(recovered.getFailureCode()).isEqualTo("card_declined");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aPaymentStripeIsStillProcessingIsRetrievedByItsIdAndCreditedWhenItSucceeded() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "processing", 1200, "usd", ""));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("12.00")
                .setCurrency("USD").setPaymentMethod("pm_usBankAccount").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());
        assertThat(payment.getStatus()).isEqualTo(Payment.Status.processing);
        stripe.alsoAnswersGet("/v1/payment_intents/" + intent, paymentIntent(intent, "succeeded", 1200, "usd", ""));

        payflow.clock().advance(AFTER.plusSeconds(1));
        payflow.server().paymentRecovery().recoverDue();

        assertThat(reload(payment).getStatus()).isEqualTo(Payment.Status.succeeded);
        // One retrieve of the PaymentIntent; the other GET is the fee's (its balance transaction expanded).
        assertThat(stripe.getsOf("/v1/payment_intents/" + intent)).filteredOn(request -> !request.getUrl().contains("expand")).hasSize(1);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("12.00");
    }

    @Test
    void pastTwentyThreeHoursRecoveryOnlySearchesAndFailsThePaymentOnlyWhenTheSearchIsEmptyPastTwentyFiveHours() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Payment payment = paymentWithALostAnswer(wallet, "9.00");
        int creates = stripe.createRequests().size();
        stripe.alsoAnswersGet("/v1/payment_intents/search", FakeStripe.searchResult());

        payflow.clock().advance(Duration.ofHours(24));
        payflow.server().paymentRecovery().recoverDue();
        assertThat(reload(payment).getStatus()).as("an empty search at 24 h proves nothing").isEqualTo(Payment.Status.pending);

        payflow.clock().advance(Duration.ofHours(1).plusMinutes(1).plus(AFTER));
        payflow.server().paymentRecovery().recoverDue();

        Payment failed = reload(payment);
        assertThat(failed.getStatus()).isEqualTo(Payment.Status.failed);
        assertThat(failed.getFailureCode()).isEqualTo("payment_not_found");
        assertThat(stripe.createRequests()).as("no create re-sent after 23 h").hasSize(creates);
        assertThat(stripe.getsOf("/v1/payment_intents/search")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void pastTwentyThreeHoursASearchThatFindsOurPaymentIntentCreditsIt() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Payment payment = paymentWithALostAnswer(wallet, "11.00");
        String intent = newPaymentIntentId();
        stripe.alsoAnswersGet("/v1/payment_intents/search", FakeStripe.searchResult(ourPaymentIntent(intent, "succeeded", 1100, payment.getId(), "")));

        payflow.clock().advance(Duration.ofHours(24));
        payflow.server().paymentRecovery().recoverDue();

        Payment recovered = reload(payment);
        assertThat(recovered.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(recovered.getProviderPaymentId()).isEqualTo(intent);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("11.00");
    }
}
