package dev.payflow.core.connect;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakeStripe.account;
import static dev.payflow.core.testing.FakeStripe.connectEvent;
import static dev.payflow.core.testing.FakeStripe.form;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ConnectedAccount;
import dev.payflow.proto.v1.CreateConnectedAccountRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.DeleteConnectedAccountRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.RefundPaymentRequest;
import dev.payflow.proto.v1.UpdatePartnerRequest;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Payments routed to a connected account: destination charges with the platform's fee, in the books and at Stripe. */
class ConnectRoutingTest {
    private static FakeStripe stripe;
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe);
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

    /** A partner of its own (the books of each test start at zero) with this platform fee. */
    private static TestServer.PartnerKeys partnerWithFee(int basisPoints) {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        payflow.admin().updatePartner(UpdatePartnerRequest.newBuilder().setId(partner.partnerId()).setPlatformFeeBasisPoints(basisPoints).build());
        return partner;
    }

    /** A connected account of the partner that Stripe has onboarded (charges and payouts enabled, by account.updated). */
    private static ConnectedAccount onboardedAccount(TestServer.PartnerKeys partner) {
        String stripeAccount = "acct_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        stripe.reset();
        stripe.alsoAnswers("/v1/accounts", 200, account(stripeAccount, false, false, List.of("external_account"), "", "con_x", "ptn_x"));
        stripe.alsoAnswers("/v1/account_links", 200, "{\"object\":\"account_link\",\"expires_at\":1700000300,\"url\":\"https://connect.example/x\"}");
        ConnectedAccount created = payflow.connect(partner.sandboxKey()).createConnectedAccount(CreateConnectedAccountRequest.newBuilder()
                .setExternalUserId("winner-" + UUID.randomUUID()).setCountry("US").setEmail("winner@example.com").build());
        String event = connectEvent("evt_" + UUID.randomUUID().toString().replace("-", ""), "account.updated", stripeAccount,
                account(stripeAccount, true, true, List.of(), "", created.getId(), partner.partnerId()));
        assertThat(payflow.rest("POST", "/api/v1/webhooks/stripe", null, event, Map.of("Stripe-Signature", signature(FakeStripe.WEBHOOK_SECRET_TEST,
                payflow.clock().instant().getEpochSecond(), event.getBytes(StandardCharsets.UTF_8)))).status()).isEqualTo(200);
        return created.toBuilder().setStripeAccountId(stripeAccount).build();
    }

    private static Payment routed(TestServer.PartnerKeys partner, ConnectedAccount account, String amount, String currency, long amountMinor) {
        String intent = newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", amountMinor, currency.toLowerCase(), ""));
        return payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder().setAmount(amount).setCurrency(currency)
                .setPaymentMethod("pm_card_visa").setConnectedAccountId(account.getId()).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static long systemBalance(String partnerId, String kind, String currency) {
        return payflow.server().database().reader().fetchOne("select coalesce(sum(e.amount_minor), 0) from ledger_entries e join system_accounts a "
                + "on a.id = e.system_account_id where a.partner_id = ? and a.livemode = false and a.kind = ? and a.currency = ?", partnerId, kind,
                currency).get(0, Long.class);
    }

    @Test
    void aRoutedPaymentIsADestinationChargeWhoseFeeAloneStaysInTheBooks() {
        TestServer.PartnerKeys partner = partnerWithFee(1000);
        ConnectedAccount account = onboardedAccount(partner);

        Payment payment = routed(partner, account, "50.00", "USD", 5000);

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payment.getConnectedAccountId()).isEqualTo(account.getId());
        assertThat(payment.getPlatformFee()).isEqualTo("5.00");
        assertThat(payment.getWalletId()).isEmpty();
        assertThat(form(stripe.createRequests().get(0))).containsEntry("transfer_data[destination]", account.getStripeAccountId())
                .containsEntry("application_fee_amount", "500").containsEntry("amount", "5000");
        // platform_fees keeps the fee; Stripe owes the platform only the fee; no wallet was touched.
        assertThat(systemBalance(partner.partnerId(), "platform_fees", "USD")).isEqualTo(500);
        assertThat(systemBalance(partner.partnerId(), "gateway_clearing", "USD")).isEqualTo(-500);
        assertThat(systemBalance(partner.partnerId(), "settlement", "USD")).isZero();
        assertThat(payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build())
                .getPlatformFee()).isEqualTo("5.00");
        assertThat(payflow.webhooks(partner.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("connect.payment.routed").build())
                .getEventsList()).hasSize(1);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void theFeeIsRoundedHalfUpInTheCurrencysMinorUnitInJpyAndKwd() {
        TestServer.PartnerKeys yen = partnerWithFee(1000);
        Payment jpy = routed(yen, onboardedAccount(yen), "1005", "JPY", 1005);
        assertThat(jpy.getPlatformFee()).isEqualTo("101");
        assertThat(form(stripe.createRequests().get(0))).containsEntry("application_fee_amount", "101").containsEntry("currency", "jpy");
        assertThat(systemBalance(yen.partnerId(), "platform_fees", "JPY")).isEqualTo(101);

        TestServer.PartnerKeys dinar = partnerWithFee(250);
        Payment kwd = routed(dinar, onboardedAccount(dinar), "1.005", "KWD", 1005);
        assertThat(kwd.getPlatformFee()).isEqualTo("0.025");
        assertThat(form(stripe.createRequests().get(0))).containsEntry("application_fee_amount", "25").containsEntry("amount", "1005");
        assertThat(systemBalance(dinar.partnerId(), "platform_fees", "KWD")).isEqualTo(25);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aRefundReversesTheTransferAndRefundsTheFeeInProportion() {
        TestServer.PartnerKeys partner = partnerWithFee(1000);
        Payment payment = routed(partner, onboardedAccount(partner), "50.00", "USD", 5000);
        stripe.alsoAnswers("/v1/refunds", 200, FakeStripe.refund("re_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
                payment.getProviderPaymentId(), 2000, "succeeded", "ref_x"));

        payflow.payments(partner.sandboxKey()).refundPayment(RefundPaymentRequest.newBuilder().setId(payment.getId()).setAmount("20.00")
                .setReason("requested_by_customer").setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(form(stripe.requestsTo("/v1/refunds").get(0))).containsEntry("reverse_transfer", "true")
                .containsEntry("refund_application_fee", "true").containsEntry("amount", "2000");
        // Two fifths of the payment are refunded: two fifths of the fee go back.
        assertThat(systemBalance(partner.partnerId(), "platform_fees", "USD")).isEqualTo(300);
        assertThat(systemBalance(partner.partnerId(), "gateway_clearing", "USD")).isEqualTo(-300);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aPaymentToADisconnectedUnknownOrNotYetOnboardedAccountOrWithAWalletIsRefused() {
        TestServer.PartnerKeys partner = partnerWithFee(1000);
        ConnectedAccount account = onboardedAccount(partner);
        CreatePaymentRequest.Builder request = CreatePaymentRequest.newBuilder().setAmount("10.00").setCurrency("USD").setPaymentMethod("pm_card_visa");

        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.clone().setConnectedAccountId(account.getId())
                .setWalletId(payflow.newWallet(partner.sandboxKey(), "USD").getId()).setIdempotencyKey(newIdempotencyKey()).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.clone()
                .setConnectedAccountId(new dev.payflow.core.domain.Ids(java.time.Clock.systemUTC(), new java.security.SecureRandom())
                        .next(dev.payflow.core.domain.IdPrefix.CONNECTED_ACCOUNT)).setIdempotencyKey(newIdempotencyKey()).build()),
                Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");

        stripe.reset();
        stripe.alsoAnswers("/v1/accounts", 200, account("acct_notyet" + UUID.randomUUID().toString().substring(0, 8), false, false,
                List.of("external_account"), "", "con_x", "ptn_x"));
        ConnectedAccount notOnboarded = payflow.connect(partner.sandboxKey()).createConnectedAccount(CreateConnectedAccountRequest.newBuilder()
                .setExternalUserId("late-" + UUID.randomUUID()).setCountry("US").setEmail("late@example.com").build());
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.clone().setConnectedAccountId(notOnboarded.getId())
                .setIdempotencyKey(newIdempotencyKey()).build()), Status.Code.FAILED_PRECONDITION, "CONNECT_ACCOUNT_NOT_READY");

        stripe.alsoAnswersGet("/v1/balance", "{\"object\":\"balance\",\"available\":[],\"pending\":[]}");
        stripe.alsoAnswersDelete("/v1/accounts/" + account.getStripeAccountId(), "{\"id\":\"" + account.getStripeAccountId()
                + "\",\"object\":\"account\",\"deleted\":true}");
        payflow.connect(partner.sandboxKey()).deleteConnectedAccount(DeleteConnectedAccountRequest.newBuilder().setId(account.getId()).build());
        String key = newIdempotencyKey();
        com.google.rpc.Status refused = assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.clone()
                .setConnectedAccountId(account.getId()).setIdempotencyKey(key).build()), Status.Code.FAILED_PRECONDITION, "CONNECT_ROUTING_FAILED");
        assertThat(dev.payflow.core.testing.ApiErrors.errorInfo(refused).getMetadataMap()).containsEntry("legacyCode", "CONNECT_003");
        // The refusal consumed the key: its replay answers the same, and Stripe was never asked.
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request.clone().setConnectedAccountId(account.getId())
                .setIdempotencyKey(key).build()), Status.Code.FAILED_PRECONDITION, "CONNECT_ROUTING_FAILED");
        assertThat(stripe.createRequests()).isEmpty();
        assertThat(systemBalance(partner.partnerId(), "platform_fees", "USD")).isZero();
    }
}
