package dev.payflow.core.payments;

import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.Dispute;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Wallet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Disputes: only withdrawal and reinstatement move money, each once per dispute, whatever the events' order. */
class StripeDisputeTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final long DISPUTE_FEE = 1500;
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

    /** A Dispute as Stripe's events carry it; {@code withdrawn}/{@code reinstated}: its balance transactions so far. */
    private static String dispute(String id, String intent, long amountMinor, String status, boolean withdrawn, boolean reinstated) {
        String withdrawal = "{\"id\":\"txn_w" + id.substring(3) + "\",\"object\":\"balance_transaction\",\"amount\":" + -amountMinor + ",\"fee\":"
                + DISPUTE_FEE + ",\"net\":" + -(amountMinor + DISPUTE_FEE) + ",\"currency\":\"usd\",\"type\":\"adjustment\"}";
        String reinstatement = "{\"id\":\"txn_r" + id.substring(3) + "\",\"object\":\"balance_transaction\",\"amount\":" + amountMinor
                + ",\"fee\":0,\"net\":" + amountMinor + ",\"currency\":\"usd\",\"type\":\"adjustment\"}";
        String balances = withdrawn ? (reinstated ? withdrawal + "," + reinstatement : withdrawal) : "";
        return "{\"id\":\"" + id + "\",\"object\":\"dispute\",\"amount\":" + amountMinor + ",\"currency\":\"usd\",\"charge\":\"ch_"
                + intent.substring(3) + "\",\"payment_intent\":\"" + intent + "\",\"reason\":\"fraudulent\",\"status\":\"" + status
                + "\",\"livemode\":false,\"metadata\":{},\"balance_transactions\":[" + balances + "]}";
    }

    private static Payment pay(TestServer.PartnerKeys partner, Wallet wallet, String intent, long amountMinor) {
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", amountMinor, "usd", ""));
        return payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amountMinor / 100 + ".00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static Payment reload(TestServer.PartnerKeys partner, Payment payment) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
    }

    private static long transactionsOfType(String partnerId, String type) {
        return payflow.server().database().reader().fetchOne("select count(*) from transactions where partner_id = ? and type = ?",
                partnerId, type).get(0, Long.class);
    }

    private static long settlement(TestServer.PartnerKeys partner) {
        return StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "settlement", "");
    }

    private static long clearing(TestServer.PartnerKeys partner) {
        return StripePaymentTest.systemBalance(payflow, partner.partnerId(), false, "gateway_clearing", "stripe");
    }

    @Test
    void aDisputeOfASpentWalletTakesTheShortfallAndTheFeeFromSettlementOnceAndItsReinstatementGivesBackWhereItCameFrom() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet elsewhere = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = pay(partner, wallet, intent, 5000);
        payflow.transfer(partner.sandboxKey(), wallet.getId(), elsewhere.getId(), "40.00", "USD");
        String disputeId = "dp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);

        // An inquiry moves no money.
        assertThat(deliver(event(newEventId(), "charge.dispute.created", false, dispute(disputeId, intent, 5000, "needs_response", false, false)))
                .status()).isEqualTo(200);
        assertThat(reload(partner, payment).getDisputesList()).singleElement().satisfies(d -> {
            assertThat(d.getId()).isEqualTo(disputeId);
            assertThat(d.getStatus()).isEqualTo("needs_response");
            assertThat(d.getAmount()).isEqualTo("50.00");
            assertThat(d.getWithdrawnFromWallet()).isEmpty();
        });
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        assertThat(settlement(partner)).isZero();

        String withdrawn = event(newEventId(), "charge.dispute.funds_withdrawn", false, dispute(disputeId, intent, 5000, "needs_response", true,
                false));
        assertThat(deliver(withdrawn).status()).isEqualTo(200);
        assertThat(deliver(withdrawn).status()).isEqualTo(200);
        // Stripe may send another event of the same withdrawal: the dispute is withdrawn once.
        assertThat(deliver(event(newEventId(), "charge.dispute.funds_withdrawn", false, dispute(disputeId, intent, 5000, "needs_response", true,
                false))).status()).isEqualTo(200);

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertThat(settlement(partner)).isEqualTo(-4000 - DISPUTE_FEE);
        // Clearing mirrors Stripe: +50.00 charged, -50.00 withdrawn, -15.00 fee.
        assertThat(clearing(partner)).isEqualTo(DISPUTE_FEE);
        assertThat(transactionsOfType(partner.partnerId(), "dispute")).isEqualTo(2);
        assertThat(transactionsOfType(partner.partnerId(), "fee")).isEqualTo(1);
        Dispute afterWithdrawal = reload(partner, payment).getDisputes(0);
        assertThat(afterWithdrawal.getWithdrawnFromWallet()).isEqualTo("10.00");
        assertThat(afterWithdrawal.getWithdrawnFromSettlement()).isEqualTo("40.00");
        assertThat(afterWithdrawal.getFee()).isEqualTo("15.00");

        String reinstated = event(newEventId(), "charge.dispute.funds_reinstated", false, dispute(disputeId, intent, 5000, "under_review", true,
                true));
        assertThat(deliver(reinstated).status()).isEqualTo(200);
        assertThat(deliver(reinstated).status()).isEqualTo(200);

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        assertThat(settlement(partner)).isEqualTo(-DISPUTE_FEE);
        assertThat(clearing(partner)).isEqualTo(-5000 + DISPUTE_FEE);
        assertThat(transactionsOfType(partner.partnerId(), "dispute_reversal")).isEqualTo(2);

        assertThat(deliver(event(newEventId(), "charge.dispute.closed", false, dispute(disputeId, intent, 5000, "won", true, true))).status())
                .isEqualTo(200);
        // A late, older event does not take the final status back.
        assertThat(deliver(event(newEventId(), "charge.dispute.created", false, dispute(disputeId, intent, 5000, "needs_response", false, false)))
                .status()).isEqualTo(200);
        Dispute closed = reload(partner, payment).getDisputes(0);
        assertThat(closed.getStatus()).isEqualTo("won");
        assertThat(closed.getReinstated()).isTrue();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        assertThat(reload(partner, payment).getStatus()).isEqualTo(Payment.Status.succeeded);
        // The partner heard of it once each: the dispute, its funds taken, its end; the duplicates said nothing.
        assertThat(disputeEvents(partner, disputeId)).extracting(dev.payflow.proto.v1.WebhookEvent::getType)
                .containsExactly("dispute.created", "dispute.funds_withdrawn", "dispute.closed");
        assertThat(disputeEvents(partner, disputeId)).extracting(e -> e.getData().getFieldsOrThrow("paymentId").getStringValue())
                .containsOnly(payment.getId());
        assertThat(disputeEvents(partner, disputeId).get(1).getData().getFieldsOrThrow("object").getStructValue()
                .getFieldsOrThrow("withdrawnFromSettlement").getStringValue()).isEqualTo("40.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    /** The partner's events about this dispute, oldest first. */
    private static java.util.List<dev.payflow.proto.v1.WebhookEvent> disputeEvents(TestServer.PartnerKeys partner, String disputeId) {
        java.util.List<dev.payflow.proto.v1.WebhookEvent> events = new java.util.ArrayList<>(payflow.webhooks(partner.sandboxKey())
                .listEvents(dev.payflow.proto.v1.ListEventsRequest.newBuilder().setPageSize(200).build()).getEventsList().stream()
                .filter(e -> e.getData().containsFields("disputeId") && e.getData().getFieldsOrThrow("disputeId").getStringValue().equals(disputeId))
                .toList());
        java.util.Collections.reverse(events);
        return events;
    }

    @Test
    void aReinstatementThatOvertakesItsWithdrawalBooksBothOnceAndTheLateWithdrawalNothing() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        Payment payment = pay(partner, wallet, intent, 5000);
        String disputeId = "dp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);

        assertThat(deliver(event(newEventId(), "charge.dispute.funds_reinstated", false, dispute(disputeId, intent, 2000, "won", true, true)))
                .status()).isEqualTo(200);
        assertThat(deliver(event(newEventId(), "charge.dispute.funds_withdrawn", false, dispute(disputeId, intent, 2000, "needs_response", true,
                false))).status()).isEqualTo(200);

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("50.00");
        assertThat(settlement(partner)).isEqualTo(-DISPUTE_FEE);
        assertThat(transactionsOfType(partner.partnerId(), "dispute")).isEqualTo(1);
        assertThat(transactionsOfType(partner.partnerId(), "dispute_reversal")).isEqualTo(1);
        assertThat(reload(partner, payment).getDisputes(0).getStatus()).isEqualTo("won");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aDisputeOfAPaymentNotRecordedYetWaitsAndIsAppliedOnceItIs() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        String disputeId = "dp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);

        assertThat(deliver(event(newEventId(), "charge.dispute.funds_withdrawn", false, dispute(disputeId, intent, 1000, "needs_response", true,
                false))).status()).isEqualTo(200);
        Payment payment = pay(partner, wallet, intent, 3000);
        payflow.server().stripeWebhooks().applyWaiting();
        payflow.server().stripeWebhooks().applyWaiting();

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("20.00");
        assertThat(settlement(partner)).isEqualTo(-DISPUTE_FEE);
        assertThat(reload(partner, payment).getDisputesList()).hasSize(1);
    }
}
