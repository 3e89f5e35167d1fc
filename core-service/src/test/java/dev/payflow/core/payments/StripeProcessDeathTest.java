package dev.payflow.core.payments;

import static dev.payflow.core.testing.FakeStripe.event;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.ourPaymentIntent;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The process dies between Stripe's answer and our commit: Stripe charged the card, but the
 * transaction that records its answer never commits. Simulated deterministically: the test holds
 * the wallet's row lock from its own connection (a lock the payment's insert does not need, the
 * credit does), so the outcome transaction fails on the lock timeout after Stripe answered; then
 * the server is closed and a new one started on the same database. Recovery, or Stripe's webhook,
 * must credit the wallet exactly once.
 */
class StripeProcessDeathTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final Duration AFTER = Duration.ofMillis(StripeConfig.RECOVERY_AFTER_MS_DEFAULT);
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

    /**
     * Creates a payment that Stripe charges while the outcome cannot commit, then restarts the
     * server. Returns the payment's id, as the database kept it: pending, without Stripe's id.
     */
    private static String paymentWhoseProcessDiedAfterStripeAnswered(Wallet wallet, String intent, long amountMinor) throws SQLException {
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", amountMinor, "usd", ""));
        try (Connection holder = DriverManager.getConnection(payflow.database().jdbcUrl(), payflow.database().user(),
                payflow.database().password())) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("select id from wallets where id = ? for no key update")) {
                lock.setString(1, wallet.getId());
                lock.executeQuery().close();
            }
            assertThatThrownBy(() -> payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder()
                    .setAmount(amountMinor / 100 + ".00").setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId())
                    .setIdempotencyKey(newIdempotencyKey()).build())).isInstanceOf(StatusRuntimeException.class);
            assertThat(stripe.createRequests()).as("Stripe answered before the outcome failed").hasSize(1);
            // The process is gone; a new one starts on the same database.
            payflow = payflow.restart(stripe.config());
            holder.rollback();
        }
        Record kept = payflow.server().database().reader().fetchOne(
                "select id, status, provider_payment_id, transaction_id from payments where wallet_id = ?", wallet.getId());
        assertThat(kept.get("status", String.class)).isEqualTo("pending");
        assertThat(kept.get("provider_payment_id", String.class)).isNull();
        assertThat(kept.get("transaction_id", String.class)).isNull();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        return kept.get("id", String.class);
    }

    private static long credits(Wallet wallet) {
        return payflow.server().database().reader().fetchOne("select count(*) from ledger_entries where wallet_id = ?", wallet.getId())
                .get(0, Long.class);
    }

    private static TestServer.Rest deliverSucceeded(String intent, long amountMinor, String paymentId) {
        String body = event("evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24), "payment_intent.succeeded", false,
                ourPaymentIntent(intent, "succeeded", amountMinor, paymentId, ""));
        return payflow.rest("POST", "/api/v1/webhooks/stripe", null, body, Map.of("Stripe-Signature",
                signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), body.getBytes(StandardCharsets.UTF_8))));
    }

    private static Payment reload(String paymentId) {
        return payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(paymentId).build());
    }

    @Test
    void aChargeWhoseOutcomeDiedWithTheProcessIsCreditedOnceByRecoveryAfterTheRestartAndTheLateWebhookAddsNothing() throws SQLException {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        String paymentId = paymentWhoseProcessDiedAfterStripeAnswered(wallet, intent, 3000);

        payflow.clock().advance(AFTER.plusSeconds(1));
        assertThat(payflow.server().paymentRecovery().recoverDue()).isGreaterThanOrEqualTo(1);
        payflow.server().paymentRecovery().recoverDue();
        assertThat(deliverSucceeded(intent, 3000, paymentId).status()).isEqualTo(200);

        assertThat(reload(paymentId).getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(reload(paymentId).getProviderPaymentId()).isEqualTo(intent);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("30.00");
        assertThat(credits(wallet)).isEqualTo(1);
        // Recovery re-sent the very same create: Stripe's idempotency key made it the one charge.
        assertThat(stripe.createRequests()).hasSize(2)
                .allSatisfy(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo(paymentId + ":create"));
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aChargeWhoseOutcomeDiedWithTheProcessIsCreditedOnceByStripesWebhookAfterTheRestartAndRecoveryAddsNothing() throws SQLException {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        String paymentId = paymentWhoseProcessDiedAfterStripeAnswered(wallet, intent, 2000);

        assertThat(deliverSucceeded(intent, 2000, paymentId).status()).isEqualTo(200);
        assertThat(deliverSucceeded(intent, 2000, paymentId).status()).isEqualTo(200);
        payflow.clock().advance(AFTER.plusSeconds(1));
        payflow.server().paymentRecovery().recoverDue();

        assertThat(reload(paymentId).getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(reload(paymentId).getStatusHistory(reload(paymentId).getStatusHistoryCount() - 1).getCause()).isEqualTo("webhook");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("20.00");
        assertThat(credits(wallet)).isEqualTo(1);
        assertThat(stripe.createRequests()).as("recovery had nothing left to ask").hasSize(1);
        LedgerInvariants.assertHold(payflow.server().database());
    }
}
