package dev.payflow.core.reconciliation;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakeStripe.balanceTransaction;
import static dev.payflow.core.testing.FakeStripe.charge;
import static dev.payflow.core.testing.FakeStripe.created;
import static dev.payflow.core.testing.FakeStripe.page;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.FakeStripe.paymentIntentWithBalance;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.ConnectedAccountRepository;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.CreatePayoutRequest;
import dev.payflow.proto.v1.CreateReconciliationRunRequest;
import dev.payflow.proto.v1.GetReconciliationRunRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payout;
import dev.payflow.proto.v1.PayoutDestination;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import dev.payflow.proto.v1.ReconciliationFinding;
import dev.payflow.proto.v1.ReconciliationRun;
import dev.payflow.proto.v1.ReconciliationServiceGrpc;
import dev.payflow.proto.v1.ReconciliationTotal;
import dev.payflow.proto.v1.ResolveReconciliationFindingRequest;
import dev.payflow.proto.v1.SystemAccountCheck;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation against a fake Stripe at the HTTP level (the real stripe-java lists and pages),
 * real PostgreSQL and the real payment and payout flows for PayFlow's side. Each test lives on its
 * own day of the shared clock (so one test's records are outside another's window), with its own
 * partner, wallet and connected account, and says exactly what Stripe lists.
 */
class ReconciliationTest {
    private static final Instant START = Instant.parse("2026-11-02T12:00:00Z");
    private static FakeStripe stripe;
    private static TestServer payflow;

    private TestServer.PartnerKeys partner;
    private String key;
    private Wallet wallet;
    private String account;
    private String stripeAccount;
    /** When this test's objects are made (the clock is frozen): the window is an hour either side. */
    private Instant at;
    /** What Stripe lists, by path, filled by each test. */
    private final Map<String, List<String>> lists = new LinkedHashMap<>();
    private final List<String> accountPayouts = new ArrayList<>();

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), TestClock.frozenAt(START));
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
    void aFreshDayPartnerWalletAndExpressAccount() {
        stripe.reset();
        payflow.clock().advance(Duration.ofDays(1));
        at = payflow.clock().instant();
        partner = payflow.onboard(Partner.Status.active);
        key = partner.sandboxKey();
        wallet = payflow.newWallet(key, "USD");
        payflow.credit(key, wallet.getId(), "500.00", "USD");
        account = connectedAccount();
        stripeAccount = new ConnectedAccountRepository().find(payflow.server().database().reader(), new PartnerScope(partner.partnerId(), false),
                account).orElseThrow().providerAccountId().orElseThrow();
    }

    @Test
    void aWindowWithPlantedBreaksOfEachKindFindsExactlyThoseAndSaysWhatRecoveryWouldDo() {
        Paid clean = pay(50_00, 1_75);
        Paid feeBreak = pay(20_00, 88);
        Paid statusBreak = pay(12_00, 40);
        Paid amountBreak = pay(30_00, 90);
        Paid missingAtStripe = pay(7_00, 0);
        PaidOut cleanPayout = payOut(10_00);
        PaidOut transferAmountBreak = payOut(15_00);
        PaidOut payoutStatusBreak = payOut(11_00);
        PaidOut payoutCurrencyBreak = payOut(12_00);
        PaidOut transferMissingAtStripe = payOut(13_00);

        listsIntent(clean, "succeeded", clean.amountMinor());
        listsIntent(feeBreak, "succeeded", feeBreak.amountMinor());
        listsIntent(statusBreak, "canceled", statusBreak.amountMinor());
        listsIntent(amountBreak, "succeeded", 31_00);
        String stranger = FakeStripe.newPaymentIntentId();
        lists("/v1/payment_intents", created(paymentIntent(stranger, "succeeded", 99_00, "usd", ""), at.getEpochSecond()));
        for (Paid paid : List.of(clean, feeBreak, statusBreak, amountBreak)) {
            listsChargeWithBalance(paid, paid == feeBreak ? 1_20 : paid.feeMinor());
        }
        for (PaidOut payout : List.of(cleanPayout, transferAmountBreak, payoutStatusBreak, payoutCurrencyBreak, transferMissingAtStripe)) {
            if (payout != transferMissingAtStripe) {
                listsTransfer(payout, payout == transferAmountBreak ? 16_00 : payout.amountMinor());
            }
            String bankPayout = FakeStripe.payout(payout.providerPayoutId(), payout == payoutStatusBreak ? "failed" : "in_transit",
                    payout.amountMinor(), payout.payoutId(), at.getEpochSecond(), null);
            accountPayouts.add(created(payout == payoutCurrencyBreak ? bankPayout.replace("\"currency\":\"usd\"", "\"currency\":\"eur\"")
                    : bankPayout, at.getEpochSecond()));
            lists("/v1/balance_transactions", created(balanceTransaction(newBalanceId(), "transfer", -payout.amountMinor(), 0,
                    payout.providerTransferId(), "transfer"), at.getEpochSecond()));
        }
        String connectFee = newBalanceId();
        lists("/v1/balance_transactions", created(balanceTransaction(connectFee, "stripe_fee", -2_00, 0, stripeAccount,
                "Connect (2026-11-01 - 2026-11-30): Payout Fee"), at.getEpochSecond()));

        ReconciliationRun run = reconcile();

        assertThat(run.getStatus()).isEqualTo(ReconciliationRun.Status.completed);
        assertThat(run.getFindingsList()).filteredOn(f -> !f.getObjectType().equals("system_account"))
                .extracting(ReconciliationFinding::getKind, ReconciliationFinding::getObjectType, ReconciliationFinding::getStripeId)
                .containsExactlyInAnyOrder(
                        tuple(ReconciliationFinding.Kind.missing_in_payflow, "payment_intent", stranger),
                        tuple(ReconciliationFinding.Kind.missing_in_payflow, "balance_transaction", connectFee),
                        tuple(ReconciliationFinding.Kind.missing_in_stripe, "payment_intent", missingAtStripe.intentId()),
                        tuple(ReconciliationFinding.Kind.missing_in_stripe, "transfer", transferMissingAtStripe.providerTransferId()),
                        tuple(ReconciliationFinding.Kind.amount_differs, "payment_intent", amountBreak.intentId()),
                        tuple(ReconciliationFinding.Kind.amount_differs, "transfer", transferAmountBreak.providerTransferId()),
                        tuple(ReconciliationFinding.Kind.status_differs, "payment_intent", statusBreak.intentId()),
                        tuple(ReconciliationFinding.Kind.status_differs, "payout", payoutStatusBreak.providerPayoutId()),
                        tuple(ReconciliationFinding.Kind.currency_differs, "payout", payoutCurrencyBreak.providerPayoutId()),
                        tuple(ReconciliationFinding.Kind.fee_differs, "balance_transaction", feeBreak.balanceTransactionId()));
        ReconciliationFinding amount = finding(run, amountBreak.intentId());
        assertThat(amount.getPayflowId()).isEqualTo(amountBreak.paymentId());
        assertThat(amount.getPartnerId()).isEqualTo(partner.partnerId());
        assertThat(List.of(amount.getStripeValue(), amount.getPayflowValue())).containsExactly("31.00", "30.00");
        assertThat(amount.getSuggestedAction()).isEqualTo(ReconciliationFinding.Action.acknowledge);
        assertThat(amount.getSuggestion()).isNotEmpty();
        ReconciliationFinding status = finding(run, payoutStatusBreak.providerPayoutId());
        assertThat(List.of(status.getStripeValue(), status.getPayflowValue())).containsExactly("failed", "in_transit");
        assertThat(status.getPayflowId()).isEqualTo(payoutStatusBreak.payoutId());
        ReconciliationFinding currency = finding(run, payoutCurrencyBreak.providerPayoutId());
        assertThat(List.of(currency.getStripeValue(), currency.getPayflowValue())).containsExactly("EUR", "USD");
        ReconciliationFinding fee = finding(run, feeBreak.balanceTransactionId());
        assertThat(List.of(fee.getStripeValue(), fee.getPayflowValue())).containsExactly("1.20", "0.88");
        assertThat(fee.getSuggestedAction()).isEqualTo(ReconciliationFinding.Action.book_fee);
        assertThat(fee.getPayflowId()).isEqualTo(feeBreak.paymentId());
        ReconciliationFinding connect = finding(run, connectFee);
        assertThat(connect.getSuggestedAction()).isEqualTo(ReconciliationFinding.Action.book_fee);
        assertThat(connect.getPartnerId()).as("attributed through the connected account Stripe names").isEqualTo(partner.partnerId());
        assertThat(connect.getStripeValue()).isEqualTo("2.00");
        assertThat(finding(run, missingAtStripe.intentId()).getPayflowId()).isEqualTo(missingAtStripe.paymentId());

        // The system accounts: fees differ by exactly the unbooked 0.32 and 2.00; payouts in transit agree with the transfers.
        Map<String, SystemAccountCheck> checks = new LinkedHashMap<>();
        run.getSystemAccountsList().forEach(check -> checks.put(check.getKind(), check));
        long bookedFees = 1_75 + 88 + 40 + 90;
        assertThat(checks.get("gateway_fees").getPayflowNet()).isEqualTo(money(bookedFees));
        assertThat(checks.get("gateway_fees").getStripeNet()).isEqualTo(money(1_75 + 1_20 + 40 + 90 + 2_00));
        assertThat(checks.get("gateway_fees").getMatches()).isFalse();
        assertThat(checks.get("payouts_in_transit").getMatches()).isTrue();
        assertThat(checks.get("payouts_in_transit").getStripeNet()).isEqualTo("61.00");
        assertThat(checks.get("gateway_clearing").getMatches()).isFalse();
        assertThat(run.getFindingsList()).filteredOn(f -> f.getObjectType().equals("system_account")).extracting(ReconciliationFinding::getStripeId)
                .containsExactlyInAnyOrder("gateway_clearing", "gateway_fees");
        assertThat(run.getFindingCount()).isEqualTo(run.getFindingsCount());
        assertThat(matched(run, "payment_intent")).as("the intents of the clean payment and of the one whose fee differs")
                .isEqualTo(List.of(2L, 70_00L));
        assertThat(metrics()).contains("payflow_reconciliation_findings_total{kind=\"fee_differs\"}");
        assertThat(payflow.server().reconciliation().get(run.getId()).run().status().wireName()).isEqualTo("completed");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void aCleanWindowStartedOverRestReportsZeroFindingsWithMatchedCountsAndTotalsPerCurrency() {
        Paid paid = pay(40_00, 1_46);
        PaidOut payout = payOut(25_00);
        listsIntent(paid, "succeeded", paid.amountMinor());
        listsChargeWithBalance(paid, paid.feeMinor());
        listsTransfer(payout, payout.amountMinor());
        accountPayouts.add(created(FakeStripe.payout(payout.providerPayoutId(), "pending", payout.amountMinor(), payout.payoutId(),
                at.getEpochSecond(), null), at.getEpochSecond()));
        lists("/v1/balance_transactions", created(balanceTransaction(newBalanceId(), "transfer", -payout.amountMinor(), 0,
                payout.providerTransferId(), "transfer"), at.getEpochSecond()));
        // Just before the window, not PayFlow's: read for matching, but outside the window it is nobody's finding.
        lists("/v1/payment_intents", created(paymentIntent(FakeStripe.newPaymentIntentId(), "succeeded", 5_00, "usd", ""),
                at.minus(Duration.ofMinutes(90)).getEpochSecond()));
        // The platform's own payout to PayFlow's bank: counted, never matched (PayFlow's books do not mirror its own bank).
        lists("/v1/payouts", created(FakeStripe.payout("po_platform", "paid", 3_00, "", at.getEpochSecond(), null), at.getEpochSecond()));
        lists("/v1/balance_transactions", created(balanceTransaction(newBalanceId(), "payout", -3_00, 0, "po_platform", "STRIPE PAYOUT"),
                at.getEpochSecond()));
        stubLists();
        payflow.clock().advance(Duration.ofHours(2));

        TestServer.Rest started = payflow.rest("POST", "/api/admin/reconciliation/runs", TestServer.ADMIN_TOKEN,
                "{\"from\":\"" + at.minus(Duration.ofHours(1)) + "\",\"to\":\"" + at.plus(Duration.ofHours(1)) + "\",\"mode\":\"sandbox\"}");
        assertThat(started.status()).as(started.body().toString()).isEqualTo(200);
        assertThat(started.body().get("status").getAsString()).isEqualTo("queued");
        String runId = started.body().get("id").getAsString();
        assertThat(runId).startsWith("rcn_");
        assertThat(payflow.server().reconciliation().runDue()).isEqualTo(1);
        JsonObject report = payflow.rest("GET", "/api/admin/reconciliation/runs/" + runId, TestServer.ADMIN_TOKEN, null).body();

        assertThat(report.get("status").getAsString()).isEqualTo("completed");
        assertThat(report.get("findingCount").getAsString()).isEqualTo("0");
        assertThat(report.getAsJsonArray("findings")).isEmpty();
        assertThat(report.get("stage").getAsString()).isEqualTo("done");
        assertThat(report.get("objectsRead").getAsString()).isEqualTo("9");
        Map<String, String> matched = new LinkedHashMap<>();
        for (JsonElement total : report.getAsJsonArray("matched")) {
            JsonObject t = total.getAsJsonObject();
            matched.put(t.get("objectType").getAsString() + " " + t.get("currency").getAsString(), t.get("count").getAsString() + " "
                    + t.get("amount").getAsString());
        }
        assertThat(matched).containsEntry("payment_intent USD", "1 40.00").containsEntry("charge USD", "1 40.00")
                .containsEntry("transfer USD", "1 25.00").containsEntry("payout USD", "1 25.00").containsEntry("platform_payout USD", "1 3.00")
                .containsEntry("balance_transaction USD", "1 40.00");
        for (JsonElement check : report.getAsJsonArray("systemAccounts")) {
            assertThat(check.getAsJsonObject().get("matches").getAsBoolean()).as(check.toString()).isTrue();
        }
        JsonObject listed = payflow.rest("GET", "/api/admin/reconciliation/runs?pageSize=1", TestServer.ADMIN_TOKEN, null).body();
        assertThat(listed.getAsJsonArray("runs").get(0).getAsJsonObject().get("id").getAsString()).isEqualTo(runId);
        assertThat(stripe.listRequests("/v1/transfers")).singleElement().satisfies(request -> {
            assertThat(request.queryParameter("created[gte]").firstValue()).isEqualTo(String.valueOf(at.minus(Duration.ofHours(2)).getEpochSecond()));
            assertThat(request.queryParameter("created[lt]").firstValue()).isEqualTo(String.valueOf(at.plus(Duration.ofHours(2)).getEpochSecond()));
        });
    }

    @Test
    void pagesThroughMoreThanOnePageOfStripeObjectsAlsoAsTheConnectedAccount() {
        PaidOut first = payOut(5_00);
        PaidOut second = payOut(6_00);
        stubEmptyListsExcept("/v1/transfers");
        stripe.lists("/v1/transfers", Optional.empty(), Optional.empty(), page("/v1/transfers", true,
                List.of(created(FakeStripe.transfer(first.providerTransferId(), first.amountMinor(), stripeAccount, first.payoutId()), at.getEpochSecond()))));
        stripe.lists("/v1/transfers", Optional.empty(), Optional.of(first.providerTransferId()), page("/v1/transfers", false,
                List.of(created(FakeStripe.transfer(second.providerTransferId(), second.amountMinor(), stripeAccount, second.payoutId()),
                        at.getEpochSecond()))));
        stripe.lists("/v1/payouts", Optional.of(stripeAccount), Optional.empty(), page("/v1/payouts", true, List.of(created(FakeStripe.payout(
                first.providerPayoutId(), "in_transit", first.amountMinor(), first.payoutId(), 0, null), at.getEpochSecond()))));
        stripe.lists("/v1/payouts", Optional.of(stripeAccount), Optional.of(first.providerPayoutId()), page("/v1/payouts", false, List.of(created(
                FakeStripe.payout(second.providerPayoutId(), "in_transit", second.amountMinor(), second.payoutId(), 0, null), at.getEpochSecond()))));
        stripe.lists("/v1/balance_transactions", Optional.empty(), Optional.empty(), page("/v1/balance_transactions", false, List.of(
                created(balanceTransaction(newBalanceId(), "transfer", -5_00, 0, first.providerTransferId(), "transfer"), at.getEpochSecond()),
                created(balanceTransaction(newBalanceId(), "transfer", -6_00, 0, second.providerTransferId(), "transfer"), at.getEpochSecond()))));

        ReconciliationRun run = reconcileWithoutStubbing();

        assertThat(run.getStatus()).as(run.getFailureMessage()).isEqualTo(ReconciliationRun.Status.completed);
        assertThat(run.getFindingsList()).isEmpty();
        assertThat(matched(run, "transfer")).isEqualTo(List.of(2L, 11_00L));
        assertThat(matched(run, "payout")).isEqualTo(List.of(2L, 11_00L));
        assertThat(stripe.listRequests("/v1/transfers")).extracting(request -> request.queryParameter("starting_after").isPresent()
                ? request.queryParameter("starting_after").firstValue() : "").containsExactly("", first.providerTransferId());
        assertThat(stripe.listRequests("/v1/payouts")).filteredOn(request -> request.queryParameter("starting_after").isPresent())
                .singleElement().satisfies(request -> assertThat(request.getHeader("Stripe-Account")).isEqualTo(stripeAccount));
    }

    @Test
    void resolvingBooksANewFeeTransactionOnceAuditsWhoAndWhyAndTheNextRunFindsItBooked() {
        Paid paid = pay(20_00, 60);
        listsIntent(paid, "processing", paid.amountMinor());
        listsChargeWithBalance(paid, paid.feeMinor());
        String connectFee = newBalanceId();
        lists("/v1/balance_transactions", created(balanceTransaction(connectFee, "stripe_fee", -2_50, 0, stripeAccount, "Connect: Account Fee"),
                at.getEpochSecond()));
        String stranger = FakeStripe.newPaymentIntentId();
        lists("/v1/payment_intents", created(paymentIntent(stranger, "succeeded", 1_00, "usd", ""), at.getEpochSecond()));
        ReconciliationRun run = reconcile();
        ReconciliationFinding fee = finding(run, connectFee);
        ReconciliationFinding status = finding(run, paid.intentId());
        long feesBefore = systemBalance("gateway_fees");
        long clearingBefore = systemBalance("gateway_clearing");

        ReconciliationFinding booked = resolve(run, fee, ReconciliationFinding.Action.book_fee, "Connect payout fee for November");
        ReconciliationFinding again = resolve(run, fee, ReconciliationFinding.Action.book_fee, "Connect payout fee for November");

        assertThat(booked.getStatus()).isEqualTo(ReconciliationFinding.Status.resolved);
        assertThat(booked.getTransactionId()).startsWith("txn_");
        assertThat(booked.getResolvedBy()).isEqualTo("automation");
        assertThat(again.getTransactionId()).isEqualTo(booked.getTransactionId());
        assertThat(payflow.server().database().reader().fetchOne("select count(*) from transactions where partner_id = ? and type = 'fee' "
                + "and gateway_transaction_id = ?", partner.partnerId(), connectFee).get(0, Long.class)).as("booked once").isEqualTo(1);
        assertThat(systemBalance("gateway_fees") - feesBefore).as("taken from gateway_fees").isEqualTo(-2_50);
        assertThat(systemBalance("gateway_clearing") - clearingBefore).as("Stripe owes the platform 2.50 less").isEqualTo(2_50);

        ReconciliationFinding acknowledged = resolve(run, status, ReconciliationFinding.Action.acknowledge, "recovery settles it tonight");
        assertThat(acknowledged.getTransactionId()).isEmpty();
        assertThat(acknowledged.getResolutionReason()).isEqualTo("recovery settles it tonight");
        assertGrpcError(() -> reconciliation().resolveReconciliationFinding(request(run, fee, ReconciliationFinding.Action.acknowledge, "again")),
                Status.Code.FAILED_PRECONDITION, "FINDING_ALREADY_RESOLVED");
        assertGrpcError(() -> reconciliation().resolveReconciliationFinding(request(run, finding(run, stranger),
                ReconciliationFinding.Action.book_fee, "not a fee")), Status.Code.FAILED_PRECONDITION, "RESOLUTION_NOT_APPLICABLE");
        assertGrpcError(() -> reconciliation().resolveReconciliationFinding(request(run, fee, ReconciliationFinding.Action.acknowledge, "")),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> reconciliation().resolveReconciliationFinding(ResolveReconciliationFindingRequest.newBuilder().setRunId(run.getId())
                .setId(new Ids(payflow.clock(), new SecureRandom()).next(IdPrefix.RECONCILIATION_FINDING)).setAction(ReconciliationFinding.Action.acknowledge).setReason("x").build()),
                Status.Code.NOT_FOUND, "FINDING_NOT_FOUND");
        assertGrpcError(() -> reconciliation().getReconciliationRun(GetReconciliationRunRequest.newBuilder().setId(new Ids(payflow.clock(), new SecureRandom()).next(IdPrefix.RECONCILIATION_RUN)).build()),
                Status.Code.NOT_FOUND, "RECONCILIATION_RUN_NOT_FOUND");

        List<JsonObject> audit = auditRecords("?action=ReconciliationService.ResolveReconciliationFinding&target=" + fee.getId());
        assertThat(audit).isNotEmpty().allSatisfy(record -> {
            assertThat(record.get("actorId").getAsString()).isEqualTo("automation");
            assertThat(record.get("target").getAsString()).isEqualTo(fee.getId());
        });
        assertThat(audit).extracting(record -> record.get("reason").getAsString()).contains("Connect payout fee for November");

        ReconciliationRun next = reconcileSameWindowAgain(run);
        assertThat(next.getFindingsList()).extracting(ReconciliationFinding::getStripeId).doesNotContain(connectFee)
                .contains(paid.intentId(), stranger);
        assertThat(next.getSystemAccountsList()).filteredOn(check -> check.getKind().equals("gateway_fees"))
                .singleElement().satisfies(check -> assertThat(check.getMatches()).isTrue());
        LedgerInvariants.assertHold(payflow.server().database());
    }

    // --- PayFlow's side, made through the real flows ---------------------------------------------

    private record Paid(String paymentId, String intentId, String balanceTransactionId, long amountMinor, long feeMinor) {
        String chargeId() {
            return "ch_" + intentId.substring(3);
        }
    }

    private record PaidOut(String payoutId, String providerTransferId, String providerPayoutId, long amountMinor) {
    }

    /** A succeeded Stripe payment into the wallet whose fee (from its balance transaction) PayFlow books at once. */
    private Paid pay(long amountMinor, long feeMinor) {
        String intent = FakeStripe.newPaymentIntentId();
        String balanceId = newBalanceId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", amountMinor, "usd", ""));
        stripe.alsoAnswersGet("/v1/payment_intents/" + intent, paymentIntentWithBalance(intent, amountMinor,
                FakeStripe.balanceTransaction(balanceId, amountMinor, feeMinor)));
        String paymentId = payflow.payments(key).createPayment(CreatePaymentRequest.newBuilder().setAmount(money(amountMinor)).setCurrency("USD")
                .setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey()).build()).getId();
        return new Paid(paymentId, intent, balanceId, amountMinor, feeMinor);
    }

    /** An Express payout, transferred and paid out at Stripe (in transit). */
    private PaidOut payOut(long amountMinor) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String transfer = "tr_" + suffix;
        String bankPayout = "po_" + suffix;
        stripe.alsoAnswers("/v1/transfers", 200, FakeStripe.transfer(transfer, amountMinor, stripeAccount, "pout_any"));
        stripe.alsoAnswers("/v1/payouts", 200, FakeStripe.payout(bankPayout, "in_transit", amountMinor, "pout_any",
                at.plus(Duration.ofDays(2)).getEpochSecond(), null));
        Payout payout = TestServer.withBearer(PayoutServiceGrpc.newBlockingStub(payflow.channel()), key).createPayout(CreatePayoutRequest.newBuilder().setWalletId(wallet.getId()).setAmount(money(amountMinor)).setCurrency("USD")
                        .setDestination(PayoutDestination.newBuilder().setConnectedAccountId(account)).setDescription("pot")
                        .setIdempotencyKey(newIdempotencyKey()).build());
        assertThat(payout.getStatus()).isEqualTo(Payout.Status.in_transit);
        return new PaidOut(payout.getId(), transfer, bankPayout, amountMinor);
    }

    private String connectedAccount() {
        String id = new Ids(payflow.clock(), new SecureRandom()).next(IdPrefix.CONNECTED_ACCOUNT);
        ConnectedAccount connected = new ConnectedAccount(id, new PartnerScope(partner.partnerId(), false), "stripe",
                Optional.of("acct_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)), ConnectedAccount.Type.EXPRESS,
                Optional.empty(), "holder@example.com", "US", Optional.empty(), new ConnectedAccount.GatewayState(true, true,
                        Map.of("transfers", "active"), ConnectedAccount.Requirements.NONE), "{}", at, at, Optional.empty());
        payflow.server().database().inTransaction(tx -> new ConnectedAccountRepository().insertUnlessHolderHasOne(tx, connected));
        return id;
    }

    // --- What Stripe lists -------------------------------------------------------------------------

    private void lists(String path, String objectJson) {
        lists.computeIfAbsent(path, p -> new ArrayList<>()).add(objectJson);
    }

    private void listsIntent(Paid paid, String status, long amountMinor) {
        lists("/v1/payment_intents", created(paymentIntent(paid.intentId(), status, amountMinor, "usd", ""), at.getEpochSecond()));
    }

    private void listsChargeWithBalance(Paid paid, long stripeFeeMinor) {
        lists("/v1/charges", created(charge(paid.chargeId(), paid.intentId(), paid.amountMinor(), "usd", "succeeded", paid.balanceTransactionId()),
                at.getEpochSecond()));
        lists("/v1/balance_transactions", created(balanceTransaction(paid.balanceTransactionId(), "charge", paid.amountMinor(), stripeFeeMinor,
                paid.chargeId(), "payment"), at.getEpochSecond()));
    }

    private void listsTransfer(PaidOut payout, long amountMinor) {
        lists("/v1/transfers", created(FakeStripe.transfer(payout.providerTransferId(), amountMinor, stripeAccount, payout.payoutId()),
                at.getEpochSecond()));
    }

    private static final List<String> LIST_PATHS = List.of("/v1/payment_intents", "/v1/charges", "/v1/refunds", "/v1/disputes", "/v1/transfers",
            "/v1/payouts", "/v1/balance_transactions");

    /** Every list answers one page of what the test put in it; the connected account's payouts as that account, others' empty. */
    private void stubLists() {
        for (String path : LIST_PATHS) {
            stripe.lists(path, Optional.empty(), Optional.empty(), page(path, false, lists.getOrDefault(path, List.of())));
        }
        stripe.listsForAnyAccount("/v1/payouts", page("/v1/payouts", false, List.of()));
        stripe.lists("/v1/payouts", Optional.of(stripeAccount), Optional.empty(), page("/v1/payouts", false, accountPayouts));
    }

    private void stubEmptyListsExcept(String path) {
        for (String other : LIST_PATHS) {
            if (!other.equals(path)) {
                stripe.lists(other, Optional.empty(), Optional.empty(), page(other, false, List.of()));
            }
        }
        stripe.listsForAnyAccount("/v1/payouts", page("/v1/payouts", false, List.of()));
    }

    // --- Reconciling -------------------------------------------------------------------------------

    private ReconciliationRun reconcile() {
        stubLists();
        return reconcileWithoutStubbing();
    }

    /** Runs [at - 1h, at + 1h) once the clock is past it, as the background worker would, and reads the report. */
    private ReconciliationRun reconcileWithoutStubbing() {
        payflow.clock().advance(Duration.ofHours(2));
        ReconciliationRun started = reconciliation().createReconciliationRun(CreateReconciliationRunRequest.newBuilder()
                .setFrom(timestamp(at.minus(Duration.ofHours(1)))).setTo(timestamp(at.plus(Duration.ofHours(1))))
                .setMode(ApiKey.Environment.sandbox).build());
        assertThat(started.getStatus()).isEqualTo(ReconciliationRun.Status.queued);
        payflow.server().reconciliation().runDue();
        return reconciliation().getReconciliationRun(GetReconciliationRunRequest.newBuilder().setId(started.getId()).build());
    }

    private ReconciliationRun reconcileSameWindowAgain(ReconciliationRun earlier) {
        ReconciliationRun started = reconciliation().createReconciliationRun(CreateReconciliationRunRequest.newBuilder()
                .setFrom(earlier.getFrom()).setTo(earlier.getTo()).setMode(ApiKey.Environment.sandbox).build());
        payflow.server().reconciliation().runDue();
        return reconciliation().getReconciliationRun(GetReconciliationRunRequest.newBuilder().setId(started.getId()).build());
    }

    private static ReconciliationServiceGrpc.ReconciliationServiceBlockingStub reconciliation() {
        return TestServer.withBearer(ReconciliationServiceGrpc.newBlockingStub(payflow.channel()), TestServer.ADMIN_TOKEN);
    }

    private static ResolveReconciliationFindingRequest request(ReconciliationRun run, ReconciliationFinding finding,
            ReconciliationFinding.Action action, String reason) {
        return ResolveReconciliationFindingRequest.newBuilder().setRunId(run.getId()).setId(finding.getId()).setAction(action).setReason(reason)
                .build();
    }

    private static ReconciliationFinding resolve(ReconciliationRun run, ReconciliationFinding finding, ReconciliationFinding.Action action,
            String reason) {
        return reconciliation().resolveReconciliationFinding(request(run, finding, action, reason));
    }

    private static ReconciliationFinding finding(ReconciliationRun run, String stripeId) {
        return run.getFindingsList().stream().filter(f -> f.getStripeId().equals(stripeId)).findFirst()
                .orElseThrow(() -> new AssertionError("no finding for " + stripeId + " in " + run.getFindingsList()));
    }

    private static List<Long> matched(ReconciliationRun run, String objectType) {
        ReconciliationTotal total = run.getMatchedList().stream().filter(t -> t.getObjectType().equals(objectType)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing matched of " + objectType + ": " + run.getMatchedList()));
        return List.of(total.getCount(), Math.round(Double.parseDouble(total.getAmount()) * 100));
    }

    private long systemBalance(String kind) {
        Object sum = payflow.server().database().reader().fetchValue("select coalesce(sum(e.amount_minor), 0) from ledger_entries e join system_accounts a "
                + "on a.id = e.system_account_id where a.partner_id = ? and a.livemode = false and a.kind = ? and a.provider = 'stripe'",
                partner.partnerId(), kind);
        return ((Number) sum).longValue();
    }

    private static List<JsonObject> auditRecords(String query) {
        TestServer.Rest page = payflow.rest("GET", "/api/admin/audit-log" + query, TestServer.ADMIN_TOKEN, null);
        assertThat(page.status()).as(page.body().toString()).isEqualTo(200);
        List<JsonObject> records = new ArrayList<>();
        page.body().getAsJsonArray("records").forEach(record -> records.add(record.getAsJsonObject()));
        return records;
    }

    private static String metrics() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().managementPort()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static String newBalanceId() {
        return "txn_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static String money(long minor) {
        return (minor < 0 ? "-" : "") + Math.abs(minor) / 100 + "." + String.format("%02d", Math.abs(minor) % 100);
    }
}
