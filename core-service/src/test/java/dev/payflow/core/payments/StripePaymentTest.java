package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.FakeStripe.form;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetPaymentConfigRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.ListPaymentsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentConfig;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Payments through Stripe, played by a fake at the HTTP level so that the real stripe-java code runs. */
class StripePaymentTest {
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

    private static CreatePaymentRequest.Builder payment(String amount, String walletId) {
        CreatePaymentRequest.Builder request = CreatePaymentRequest.newBuilder().setAmount(amount).setCurrency("USD")
                .setPaymentMethod("pm_card_visa").setDescription("ROSCA contribution").setIdempotencyKey(newIdempotencyKey());
        return walletId == null ? request : request.setWalletId(walletId);
    }

    @Test
    void aSucceededPaymentCreditsTheWalletOnceFromStripesClearingAccountAndSendsStripeWhatItNeeds() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 5000, "usd", ""));

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payment("50.00", wallet.getId()).build());

        assertThat(payment.getId()).startsWith("pmt_");
        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payment.getProvider()).isEqualTo("stripe");
        assertThat(payment.getProviderPaymentId()).isEqualTo(intent);
        assertThat(payment.getLivemode()).isFalse();
        assertThat(payment.getStatusHistoryList()).extracting(Payment.StatusChange::getStatus, Payment.StatusChange::getCause)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Payment.Status.pending, "api"),
                        org.assertj.core.groups.Tuple.tuple(Payment.Status.succeeded, "gateway"));
        Transaction credit = payflow.ledger(partner.sandboxKey()).getTransaction(GetTransactionRequest.newBuilder()
                .setId(payment.getTransactionId()).build());
        assertThat(credit.getType()).isEqualTo(Transaction.Type.credit);
        assertThat(credit.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(credit.getGateway()).isEqualTo("stripe");
        assertThat(credit.getGatewayTransactionId()).isEqualTo(intent);
        assertThat(credit.getToWalletId()).isEqualTo(wallet.getId());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("50.00");

        List<LoggedRequest> sent = stripe.createRequests();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getHeader("Idempotency-Key")).isEqualTo(payment.getId() + ":create");
        assertThat(sent.get(0).getHeader("Authorization")).isEqualTo("Bearer " + FakeStripe.SECRET_KEY_TEST);
        Map<String, String> form = form(sent.get(0));
        assertThat(form).containsEntry("amount", "5000").containsEntry("currency", "usd").containsEntry("payment_method", "pm_card_visa")
                .containsEntry("confirm", "true").containsEntry("capture_method", "automatic")
                .containsEntry("automatic_payment_methods[allow_redirects]", "never")
                .containsEntry("metadata[payflow_payment_id]", payment.getId())
                .containsEntry("metadata[payflow_wallet_id]", wallet.getId())
                .containsEntry("metadata[partner_user_id]", wallet.getExternalUserId())
                .containsEntry("metadata[partner_reference]", wallet.getExternalWalletId())
                .containsKey("metadata[partner_name]");
        assertThat(gatewayRecords(intent)).isEqualTo(1);
        assertThat(clearingBalance(partner.partnerId(), false, "stripe")).isEqualTo(-5000);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aDeclinedCardFailsThePaymentWithStripesCodeAndMessageAndBooksNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.declinesCreate(intent, "card_declined", "generic_decline", "Your card was declined.", 2500, "usd");

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payment("25.00", wallet.getId()).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.failed);
        assertThat(payment.getFailureCode()).isEqualTo("card_declined");
        assertThat(payment.getFailureMessage()).isEqualTo("Your card was declined.");
        assertThat(payment.getProviderPaymentId()).isEqualTo(intent);
        assertThat(payment.getTransactionId()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aPaymentThatNeedsThreeDSecureWaitsInRequiresActionWithTheRedirectAndCreditsNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "requires_action", 1000, "usd",
                "\"next_action\":{\"type\":\"redirect_to_url\",\"redirect_to_url\":{\"url\":\"https://hooks.stripe.com/3d_secure/x\","
                        + "\"return_url\":\"https://app.example/back\"}}"));

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payment("10.00", wallet.getId())
                .setReturnUrl("https://app.example/back").build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.requires_action);
        assertThat(payment.getNextAction().getType()).isEqualTo("redirect_to_url");
        assertThat(payment.getNextAction().getRedirectUrl()).isEqualTo("https://hooks.stripe.com/3d_secure/x");
        assertThat(payment.getTransactionId()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        Map<String, String> form = form(stripe.createRequests().get(0));
        assertThat(form).containsEntry("return_url", "https://app.example/back").doesNotContainKey("automatic_payment_methods[allow_redirects]");
    }

    @Test
    void aReplayedCreateReturnsTheSamePaymentWithoutCallingStripeAgainAndOtherParametersAreRefused() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 700, "usd", ""));
        CreatePaymentRequest request = payment("7.00", wallet.getId()).build();

        Payment first = payflow.payments(partner.sandboxKey()).createPayment(request);
        Payment replay = payflow.payments(partner.sandboxKey()).createPayment(request);

        assertThat(replay).isEqualTo(first);
        assertThat(stripe.createRequests()).hasSize(1);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("7.00");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.toBuilder().setAmount("8.00").build()),
                Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
        assertThat(stripe.createRequests()).hasSize(1);
    }

    @Test
    void aPaymentWithoutAWalletBooksItsProceedsToThePartnersSettlementAccount() {
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 1234, "usd", ""));
        TestServer.PartnerKeys merchant = payflow.onboard(Partner.Status.active);

        Payment payment = payflow.payments(merchant.sandboxKey()).createPayment(payment("12.34", null).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payment.getWalletId()).isEmpty();
        assertThat(systemBalance(merchant.partnerId(), false, "settlement", "")).isEqualTo(1234);
        assertThat(clearingBalance(merchant.partnerId(), false, "stripe")).isEqualTo(-1234);
        assertThat(transactionType(payment.getTransactionId())).isEqualTo("payment");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aCreditWithAPaymentMethodIsAPaymentAndAnswersItsCompletedCredit() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 2000, "usd", ""));

        Transaction credit = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("20.00").setCurrency("USD").setPaymentMethod("pm_card_visa").setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(credit.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(credit.getPaymentId()).startsWith("pmt_");
        assertThat(credit.getGateway()).isEqualTo("stripe");
        assertThat(credit.getGatewayTransactionId()).isEqualTo(intent);
        Payment payment = payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(credit.getPaymentId()).build());
        assertThat(payment.getWalletId()).isEqualTo(wallet.getId());
        assertThat(payment.getTransactionId()).isEqualTo(credit.getId());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("20.00");
    }

    @Test
    void aCreditWithAPaymentMethodThatNeedsActionAnswersAPendingCreditNamingItsPayment() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "requires_action", 2000, "usd",
                "\"next_action\":{\"type\":\"use_stripe_sdk\"}"));

        Transaction credit = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("20.00").setCurrency("USD").setPaymentMethod("pm_card_threeDSecure2Required").setIdempotencyKey(newIdempotencyKey())
                .build());

        assertThat(credit.getStatus()).isEqualTo(Transaction.Status.pending);
        assertThat(credit.getId()).isEmpty();
        assertThat(credit.getPaymentId()).startsWith("pmt_");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aLivePaymentGoesThroughTheLiveKeyAndALiveCurrencyStripeDoesNotSettleIsRefusedBeforeAnythingIsRecorded() {
        Wallet wallet = payflow.newWallet(partner.productionKey(), "USD");
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 300, "usd", "").replace("\"livemode\":false",
                "\"livemode\":true"));

        Payment payment = payflow.payments(partner.productionKey()).createPayment(payment("3.00", wallet.getId()).build());

        assertThat(payment.getLivemode()).isTrue();
        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(stripe.createRequests().get(0).getHeader("Authorization")).isEqualTo("Bearer " + FakeStripe.SECRET_KEY_LIVE);
        assertThat(payflow.balanceOf(partner.productionKey(), wallet.getId())).isEqualTo("3.00");

        Wallet euros = payflow.newWallet(partner.productionKey(), "EUR");
        String key = newIdempotencyKey();
        CreatePaymentRequest inEuros = payment("3.00", euros.getId()).setCurrency("EUR").setIdempotencyKey(key).build();
        assertGrpcError(() -> payflow.payments(partner.productionKey()).createPayment(inEuros), Status.Code.INVALID_ARGUMENT,
                "UNSUPPORTED_CURRENCY");
        assertThat(stripe.createRequests()).hasSize(1);
    }

    @Test
    void stripeFailingWithA503LeavesThePaymentPendingWithNothingBookedAfterRetriesThatKeptOneKey() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        stripe.failsCreateWith(503);

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payment("4.00", wallet.getId()).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.pending);
        assertThat(payment.getTransactionId()).isEmpty();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        List<LoggedRequest> attempts = stripe.createRequests();
        assertThat(attempts).hasSizeGreaterThan(1);
        assertThat(attempts).extracting(request -> request.getHeader("Idempotency-Key")).containsOnly(payment.getId() + ":create");
    }

    @Test
    void theConfigGivesTheModesProviderAndPublishableKey() {
        PaymentConfig sandbox = payflow.payments(partner.sandboxKey()).getPaymentConfig(GetPaymentConfigRequest.getDefaultInstance());
        PaymentConfig live = payflow.payments(partner.productionKey()).getPaymentConfig(GetPaymentConfigRequest.getDefaultInstance());

        assertThat(sandbox.getProvider()).isEqualTo("stripe");
        assertThat(sandbox.getPublishableKey()).isEqualTo(FakeStripe.PUBLISHABLE_KEY_TEST);
        assertThat(live.getPublishableKey()).isEqualTo(FakeStripe.PUBLISHABLE_KEY_LIVE);
        assertThat(live.getLivemode()).isTrue();
        // Over REST the config path is not taken for a payment id.
        TestServer.Rest rest = payflow.rest("GET", "/api/v1/payments/config", partner.sandboxKey(), null);
        assertThat(rest.status()).isEqualTo(200);
        assertThat(rest.body().get("publishableKey").getAsString()).isEqualTo(FakeStripe.PUBLISHABLE_KEY_TEST);
    }

    @Test
    void paymentsAreListedNewestFirstAndFilteredByStatusAndWallet() {
        TestServer.PartnerKeys lister = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(lister.sandboxKey(), "USD");
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 100, "usd", ""));
        Payment succeeded = payflow.payments(lister.sandboxKey()).createPayment(payment("1.00", wallet.getId()).build());
        stripe.declinesCreate(newPaymentIntentId(), "card_declined", "generic_decline", "Your card was declined.", 100, "usd");
        Payment failed = payflow.payments(lister.sandboxKey()).createPayment(payment("1.00", wallet.getId()).build());
        stripe.declinesCreate(newPaymentIntentId(), "card_declined", "generic_decline", "Your card was declined.", 100, "usd");
        Payment elsewhere = payflow.payments(lister.sandboxKey()).createPayment(payment("1.00", null).build());

        assertThat(payflow.payments(lister.sandboxKey()).listPayments(ListPaymentsRequest.getDefaultInstance()).getPaymentsList())
                .extracting(Payment::getId).containsExactly(elsewhere.getId(), failed.getId(), succeeded.getId());
        assertThat(payflow.payments(lister.sandboxKey()).listPayments(ListPaymentsRequest.newBuilder().setStatus("failed")
                .setWalletId(wallet.getId()).build()).getPaymentsList()).extracting(Payment::getId).containsExactly(failed.getId());
        assertGrpcError(() -> payflow.payments(lister.sandboxKey()).listPayments(ListPaymentsRequest.newBuilder().setStatus("done").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void aPaymentIsCreatedAndReadOverRestWithItsFieldsAsPartnersSeeThem() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 999, "usd", ""));

        TestServer.Rest created = payflow.rest("POST", "/api/v1/payments", partner.sandboxKey(), "{\"amount\": \"9.99\", \"currency\": \"USD\", "
                + "\"paymentMethod\": \"pm_card_visa\", \"walletId\": \"" + wallet.getId() + "\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\"}");

        assertThat(created.status()).isEqualTo(200);
        assertThat(created.body().get("status").getAsString()).isEqualTo("succeeded");
        assertThat(created.body().get("amountRefunded").getAsString()).isEqualTo("0.00");
        assertThat(created.body().get("capture").getAsBoolean()).isTrue();
        String id = created.body().get("id").getAsString();
        TestServer.Rest read = payflow.rest("GET", "/api/v1/payments/" + id, partner.sandboxKey(), null);
        assertThat(read.body().get("transactionId").getAsString()).startsWith("txn_");
        assertRestError(payflow.rest("GET", "/api/v1/payments/pmt_" + "0".repeat(26), partner.sandboxKey(), null), 404, "PAYMENT_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/payments/" + wallet.getId(), partner.sandboxKey(), null), 400, "INVALID_ID");
    }

    private static long gatewayRecords(String objectId) {
        return payflow.server().database().reader().fetchCount(DSL.table("gateway_records"),
                DSL.field("gateway_transaction_id").eq(objectId));
    }

    private static long clearingBalance(String partnerId, boolean livemode, String provider) {
        return systemBalance(partnerId, livemode, "gateway_clearing", provider);
    }

    static long systemBalance(String partnerId, boolean livemode, String kind, String provider) {
        return systemBalance(payflow, partnerId, livemode, kind, provider);
    }

    /** The balance of one of a partner's system accounts on the given server, in minor units. */
    static long systemBalance(TestServer payflow, String partnerId, boolean livemode, String kind, String provider) {
        Long sum = payflow.server().database().reader().fetchOne(
                "select coalesce(sum(e.amount_minor), 0) from ledger_entries e join system_accounts a on a.id = e.system_account_id "
                        + "where a.partner_id = ? and a.livemode = ? and a.kind = ? and a.provider = ?", partnerId, livemode, kind, provider)
                .get(0, Long.class);
        return sum;
    }

    private static String transactionType(String transactionId) {
        return payflow.server().database().reader().fetchOne("select type from transactions where id = ?", transactionId).get(0, String.class);
    }
}
