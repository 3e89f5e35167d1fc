package dev.payflow.core.payments;

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
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Refund;
import dev.payflow.proto.v1.Wallet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Refunds made in Stripe's dashboard: booked anyway, the wallet first down to zero, the shortfall from settlement, once per Stripe refund. */
class StripeDashboardRefundTest {
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

    private static TestServer.Rest deliver(String body) {
        return payflow.rest("POST", "/api/v1/webhooks/stripe", null, body, Map.of("Stripe-Signature",
                signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), body.getBytes(StandardCharsets.UTF_8))));
    }

    private static String newEventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static String newRefundId() {
        return "re_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** A refund made in Stripe's dashboard: no payflow_refund_id in its metadata. */
    private static String dashboardRefund(String id, String intent, long amountMinor, String status) {
        return "{\"id\":\"" + id + "\",\"object\":\"refund\",\"amount\":" + amountMinor + ",\"currency\":\"usd\",\"payment_intent\":\""
                + intent + "\",\"status\":\"" + status + "\",\"reason\":null,\"metadata\":{}}";
    }

    /** The charge of a PaymentIntent after a refund, listing its refunds, as charge.refunded carries it. */
    private static String refundedCharge(String intent, long amountMinor, long refundedMinor, String... refunds) {
        return "{\"id\":\"ch_" + intent.substring(3) + "\",\"object\":\"charge\",\"amount\":" + amountMinor + ",\"amount_refunded\":"
                + refundedMinor + ",\"currency\":\"usd\",\"payment_intent\":\"" + intent + "\",\"refunded\":" + (refundedMinor == amountMinor)
                + ",\"status\":\"succeeded\",\"metadata\":{},\"refunds\":{\"object\":\"list\",\"has_more\":false,\"data\":["
                + String.join(",", refunds) + "]}}";
    }

    private static Payment pay(TestServer.PartnerKeys partner, Wallet wallet, String intent, String status, long amountMinor) {
        stripe.answersCreateWith(paymentIntent(intent, status, amountMinor, "usd", "\"next_action\":{\"type\":\"use_stripe_sdk\"}"));
        return payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amountMinor / 100 + ".00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static Payment reload(TestServer.PartnerKeys partner, Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    private static long refundTransactions(String partnerId) {
        return payflow.server().database().reader().fetchOne("select count(*) from transactions where partner_id = ? and type = 'refund'",
                partnerId).get(0, Long.class);
    }

    @Test
    void aDashboardRefundOfASpentWalletTakesTheWalletToZeroAndTheShortfallFromSettlementOnceWhateverTheEventsRepeat() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet elsewhere = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = pay(partner, wallet, intent, "succeeded", 5000);
        payflow.transfer(partner.sandboxKey(), wallet.getId(), elsewhere.getId(), "35.00", "USD");
        String refundId = newRefundId();
        String refund = dashboardRefund(refundId, intent, 4000, "succeeded");
        String chargeRefunded = event(newEventId(), "charge.refunded", false, refundedCharge(intent, 5000, 4000, refund));

        assertThat(deliver(chargeRefunded).status()).isEqualTo(200);
        assertThat(deliver(chargeRefunded).status()).isEqualTo(200);
        assertThat(deliver(event(newEventId(), "refund.created", false, refund)).status()).isEqualTo(200);
        assertThat(deliver(event(newEventId(), "charge.refund.updated", false, refund)).status()).isEqualTo(200);

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "settlement", "")).isEqualTo(-2500);
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe")).isEqualTo(-1000);
        assertThat(refundTransactions(partner.partnerId())).isEqualTo(2);
        Payment now = reload(partner, payment);
        assertThat(now.getStatus()).isEqualTo(Payment.Status.partially_refunded);
        assertThat(now.getAmountRefunded()).isEqualTo("40.00");
        assertThat(now.getRefundsList()).singleElement().satisfies(booked -> {
            assertThat(booked.getId()).startsWith("ref_");
            assertThat(booked.getStatus()).isEqualTo(Refund.Status.succeeded);
            assertThat(booked.getAmount()).isEqualTo("40.00");
            assertThat(booked.getTransactionId()).startsWith("txn_");
        });
        assertThat(now.getStatusHistory(now.getStatusHistoryCount() - 1).getCause()).isEqualTo("webhook");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aDashboardRefundWithinTheWalletsBalanceComesFromTheWalletAlone() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = pay(partner, wallet, intent, "succeeded", 3000);

        assertThat(deliver(event(newEventId(), "refund.created", false, dashboardRefund(newRefundId(), intent, 3000, "pending"))).status())
                .isEqualTo(200);

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertThat(StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "settlement", "")).isZero();
        assertThat(reload(partner, payment).getStatus()).isEqualTo(Payment.Status.refunded);
        assertThat(reload(partner, payment).getRefunds(0).getStatus()).isEqualTo(Refund.Status.pending);
    }

    @Test
    void aDashboardRefundThatOvertakesThePaymentsSuccessWaitsForItAndIsThenBookedOnce() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = pay(partner, wallet, intent, "requires_action", 2000);
        String refund = dashboardRefund(newRefundId(), intent, 500, "succeeded");

        assertThat(deliver(event(newEventId(), "charge.refunded", false, refundedCharge(intent, 2000, 500, refund))).status()).isEqualTo(200);
        assertThat(refundTransactions(partner.partnerId())).isZero();
        assertThat(deliver(event(newEventId(), "payment_intent.succeeded", false, ourPaymentIntent(intent, "succeeded", 2000, payment.getId(), "")))
                .status()).isEqualTo(200);
        payflow.server().stripeWebhooks().applyWaiting();
        payflow.server().stripeWebhooks().applyWaiting();

        assertThat(refundTransactions(partner.partnerId())).isEqualTo(1);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("15.00");
        assertThat(reload(partner, payment).getStatus()).isEqualTo(Payment.Status.partially_refunded);
        LedgerInvariants.assertHold(payflow.server().database());
    }
}
