package dev.payflow.core.payments;

import static dev.payflow.core.testing.FakeStripe.balanceTransaction;
import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.ourPaymentIntent;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.paymentIntentWithBalance;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.RefundPaymentRequest;
import dev.payflow.proto.v1.Wallet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stripe's fee, from each charge's balance transaction, booked once so that gateway clearing mirrors Stripe's balance net of fees. */
class StripeFeeTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static FakeStripe stripe;
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), TestClock.frozenAt(NOW));
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

    /** A succeeded payment whose retrieve answers this balance transaction (or none yet); returns what the fake answered. */
    private static Payment pay(TestServer.PartnerKeys partner, Wallet wallet, String intent, long amountMinor, String balanceJson) {
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", amountMinor, "usd", ""));
        stripe.alsoAnswersGet("/v1/payment_intents/" + intent, paymentIntentWithBalance(intent, amountMinor, balanceJson));
        return payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amountMinor / 100 + "." 
                + String.format("%02d", amountMinor % 100)).setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId())
                .setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static long net(String balanceJson) {
        return JsonParser.parseString(balanceJson).getAsJsonObject().get("net").getAsLong();
    }

    private static String newBalanceId() {
        return "txn_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static long feeTransactions(String partnerId) {
        return payflow.server().database().reader().fetchOne("select count(*) from transactions where partner_id = ? and type = 'fee'",
                partnerId).get(0, Long.class);
    }

    private static TestServer.Rest deliver(String body) {
        return payflow.rest("POST", "/api/v1/webhooks/stripe", null, body, Map.of("Stripe-Signature",
                signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), body.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void afterSeveralPaymentsAndARefundGatewayClearingIsMinusWhatStripeWillPayOutNetOfFees() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        List<String> balances = List.of(balanceTransaction(newBalanceId(), 5000, 175), balanceTransaction(newBalanceId(), 2000, 88),
                balanceTransaction(newBalanceId(), 1234, 66));
        List<Long> amounts = List.of(5000L, 2000L, 1234L);
        String firstIntent = newPaymentIntentId();
        Payment first = pay(partner, wallet, firstIntent, amounts.get(0), balances.get(0));
        pay(partner, wallet, newPaymentIntentId(), amounts.get(1), balances.get(1));
        pay(partner, wallet, newPaymentIntentId(), amounts.get(2), balances.get(2));
        String stripeRefund = FakeStripe.refund("re_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16), firstIntent, 1000,
                "succeeded", "ref_x");
        stripe.alsoAnswers("/v1/refunds", 200, stripeRefund);
        payflow.payments(partner.sandboxKey()).refundPayment(RefundPaymentRequest.newBuilder().setId(first.getId()).setAmount("10.00")
                .setReason("requested_by_customer").setIdempotencyKey(newIdempotencyKey()).build());

        // What Stripe holds for the partner (available + pending): each charge's net, less what it refunded.
        long stripeBalance = balances.stream().mapToLong(StripeFeeTest::net).sum()
                - JsonParser.parseString(stripeRefund).getAsJsonObject().get("amount").getAsLong();
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe")).isEqualTo(-stripeBalance);
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_fees", "stripe")).isEqualTo(-(175 + 88 + 66));
        assertThat(feeTransactions(partner.partnerId())).isEqualTo(3);
        String firstBalanceId = JsonParser.parseString(balances.get(0)).getAsJsonObject().get("id").getAsString();
        assertThat(payflow.server().database().reader().fetchOne("select type, gateway, gateway_transaction_id from transactions "
                + "where partner_id = ? and type = 'fee' and gateway_transaction_id = ?", partner.partnerId(), firstBalanceId).intoArray())
                .containsExactly("fee", "stripe", firstBalanceId);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("72.34");

        // A late succeeded event for the first payment asks for the fee again: it is booked once.
        assertThat(deliver(event("evt_" + UUID.randomUUID().toString().replace("-", ""), "payment_intent.succeeded", false,
                ourPaymentIntent(firstIntent, "succeeded", 5000, first.getId(), ""))).status()).isEqualTo(200);
        payflow.server().paymentRecovery().recoverDue();
        assertThat(feeTransactions(partner.partnerId())).isEqualTo(3);
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe")).isEqualTo(-stripeBalance);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aFeeStripeHasNotMadeYetIsBookedOnceByTheSweepWhenItIs() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        pay(partner, wallet, intent, 3000, "null");
        assertThat(feeTransactions(partner.partnerId())).isZero();
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe")).isEqualTo(-3000);
        String balance = balanceTransaction(newBalanceId(), 3000, 117);
        stripe.alsoAnswersGet("/v1/payment_intents/" + intent, paymentIntentWithBalance(intent, 3000, balance));

        payflow.server().paymentRecovery().recoverDue();
        payflow.clock().advance(Duration.ofMinutes(6));
        payflow.server().paymentRecovery().recoverDue();

        assertThat(feeTransactions(partner.partnerId())).isEqualTo(1);
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe")).isEqualTo(-net(balance));
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aPaymentCapturedByWebhookHasItsFeeBookedAfterTheWebhook() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "requires_action", 4000, "usd", "\"next_action\":{\"type\":\"use_stripe_sdk\"}"));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount("40.00")
                .setCurrency("USD").setPaymentMethod("pm_card_threeDSecure2Required").setWalletId(wallet.getId())
                .setIdempotencyKey(newIdempotencyKey()).build());
        String balance = balanceTransaction(newBalanceId(), 4000, 146);
        stripe.alsoAnswersGet("/v1/payment_intents/" + intent, paymentIntentWithBalance(intent, 4000, balance));

        assertThat(deliver(event("evt_" + UUID.randomUUID().toString().replace("-", ""), "payment_intent.succeeded", false,
                ourPaymentIntent(intent, "succeeded", 4000, payment.getId(), ""))).status()).isEqualTo(200);

        assertThat(feeTransactions(partner.partnerId())).isEqualTo(1);
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe")).isEqualTo(-net(balance));
    }
}
