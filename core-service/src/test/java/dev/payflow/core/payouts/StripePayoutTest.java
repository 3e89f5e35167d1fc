package dev.payflow.core.payouts;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakeStripe.connectEvent;
import static dev.payflow.core.testing.FakeStripe.error;
import static dev.payflow.core.testing.FakeStripe.form;
import static dev.payflow.core.testing.FakeStripe.list;
import static dev.payflow.core.testing.FakeStripe.payout;
import static dev.payflow.core.testing.FakeStripe.reversal;
import static dev.payflow.core.testing.FakeStripe.reversedTransfer;
import static dev.payflow.core.testing.FakeStripe.signature;
import static dev.payflow.core.testing.FakeStripe.transfer;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.payflow.core.app.Payouts;
import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.ConnectedAccountRepository;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CancelPayoutRequest;
import dev.payflow.proto.v1.CreatePayoutRequest;
import dev.payflow.proto.v1.GetPayoutRequest;
import dev.payflow.proto.v1.ListPayoutsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payout;
import dev.payflow.proto.v1.PayoutDestination;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Payouts through Stripe Connect, against a fake Stripe at the HTTP level (the real stripe-java
 * runs) and a real PostgreSQL: the transfer and the bank payout with their keys and headers, the
 * statuses Stripe's answers and webhooks move a payout through, the money that comes back, and the
 * books after each. Each test has its own partner, wallet and connected account.
 */
class StripePayoutTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final String TRANSFERS = "/v1/transfers";
    private static final String PAYOUTS = "/v1/payouts";
    private static FakeStripe stripe;
    private static TestServer payflow;

    private TestServer.PartnerKeys partner;
    private String key;
    private Wallet wallet;

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

    @BeforeEach
    void freshPartnerWithOneHundredDollars() {
        stripe.reset();
        partner = payflow.onboard(Partner.Status.active);
        key = partner.sandboxKey();
        wallet = payflow.newWallet(key, "USD");
        payflow.credit(key, wallet.getId(), "100.00", "USD");
    }

    @Test
    void expressPayoutIsTransferredThenPaidOutToTheBankWithKeysFromOurIdAndIsPaidWhenStripeSaysSo() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.of("winner-1"));
        stripeMakes("tr_paid", "po_paid", "pending", 30_00);

        Payout created = create(destinationOfUser("winner-1"), "30.00", TestServer.newIdempotencyKey());

        assertThat(created.getId()).startsWith("pout_");
        assertThat(created.getStatus()).isEqualTo(Payout.Status.in_transit);
        assertThat(created.getProviderTransferId()).isEqualTo("tr_paid");
        assertThat(created.getProviderPayoutId()).isEqualTo("po_paid");
        assertThat(created.getArrivalDate().getSeconds()).isEqualTo(NOW.plus(Duration.ofDays(2)).getEpochSecond());
        assertThat(created.getDestination().getExternalUserId()).isEqualTo("winner-1");
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("70.00");
        LoggedRequest transfer = only(TRANSFERS, created.getId());
        assertThat(transfer.getHeader("Idempotency-Key")).isEqualTo(created.getId() + ":transfer");
        assertThat(form(transfer)).containsEntry("transfer_group", created.getId()).containsEntry("destination", providerIdOf(account))
                .containsEntry("amount", "3000").containsEntry("currency", "usd").containsEntry("metadata[payflow_payout_id]", created.getId());
        LoggedRequest bankPayout = only(PAYOUTS, created.getId());
        assertThat(bankPayout.getHeader("Idempotency-Key")).isEqualTo(created.getId() + ":payout");
        assertThat(bankPayout.getHeader("Stripe-Account")).isEqualTo(providerIdOf(account));

        deliver(connectEvent(eventId(), "payout.paid", providerIdOf(account), payout("po_paid", "paid", 30_00, created.getId(), 0, null)));

        Payout paid = get(created.getId());
        assertThat(paid.getStatus()).isEqualTo(Payout.Status.paid);
        assertThat(paid.getStatusHistoryList()).extracting(Payout.StatusChange::getStatus)
                .containsExactly(Payout.Status.pending, Payout.Status.in_transit, Payout.Status.paid);
        assertThat(paid.getTransactionIdsList()).hasSize(1);
        assertThat(systemBalance("payouts_in_transit")).as("nothing waits in transit once transferred").isZero();
        // Gateway clearing is what Stripe owes the platform, kept with the opposite sign of a wallet: the transfer made it owe 30.00 less.
        assertThat(systemBalance("gateway_clearing")).as("the platform's balance at Stripe lost the transfer").isEqualTo(30_00);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void standardAccountIsPaidOnceTransferredAndGetsNoPayoutFromPayflow() {
        String account = connectedAccount(ConnectedAccount.Type.STANDARD, true, Optional.empty());
        stripeMakes("tr_standard", "po_never", "pending", 25_00);

        Payout created = create(destination(account), "25.00", TestServer.newIdempotencyKey());

        assertThat(created.getStatus()).isEqualTo(Payout.Status.paid);
        assertThat(created.getProviderTransferId()).isEqualTo("tr_standard");
        assertThat(created.getProviderPayoutId()).isEmpty();
        assertThat(requestsFor(PAYOUTS, created.getId())).isEmpty();
        assertThat(assertGrpcError(() -> payouts().cancelPayout(CancelPayoutRequest.newBuilder().setId(created.getId()).build()),
                Status.Code.FAILED_PRECONDITION, "PAYOUT_NOT_CANCELLABLE")).isNotNull();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void transferRefusedByStripeFailsThePayoutAndGivesTheMoneyBackAtOnce() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripe.alsoAnswers(TRANSFERS, 400, error("invalid_request_error", "account_invalid", "The destination account cannot receive transfers."));

        Payout created = create(destination(account), "40.00", TestServer.newIdempotencyKey());

        assertThat(created.getStatus()).isEqualTo(Payout.Status.failed);
        assertThat(created.getFailureCode()).isEqualTo("account_invalid");
        assertThat(created.getFailureMessage()).contains("cannot receive transfers");
        assertThat(created.getTransactionIdsList()).as("the hold, then its return").hasSize(2);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
        assertThat(requestsFor(PAYOUTS, created.getId())).isEmpty();
        assertThat(systemBalance("payouts_in_transit")).isZero();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void transferRefusedForBalanceInsufficientStaysPendingVisiblyAndIsRetriedWithBackoff() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripe.alsoAnswers(TRANSFERS, 400, error("invalid_request_error", "balance_insufficient", "Insufficient funds in Stripe account."));

        Payout waiting = create(destination(account), "10.00", TestServer.newIdempotencyKey());

        assertThat(waiting.getStatus()).isEqualTo(Payout.Status.pending);
        assertThat(waiting.getStatusHistoryList()).hasSize(2);
        assertThat(waiting.getStatusHistory(1).getDetail()).startsWith("balance_insufficient: Insufficient funds");
        assertThat(payflow.balanceOf(key, wallet.getId())).as("the money stays held").isEqualTo("90.00");
        assertThat(payflow.server().payouts().advanceDue()).as("not due before its backoff").isZero();

        stripeMakes("tr_later", "po_later", "pending", 10_00);
        payflow.clock().advance(Duration.ofMinutes(1));
        payflow.server().payouts().advanceDue();

        Payout moving = get(waiting.getId());
        assertThat(moving.getStatus()).isEqualTo(Payout.Status.in_transit);
        assertThat(requestsFor(TRANSFERS, waiting.getId())).hasSize(2)
                .allSatisfy(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo(waiting.getId() + ":transfer"));
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void payoutPaidThenReturnedByTheBankFailsReversesTheTransferAndGivesTheMoneyBack() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripeMakes("tr_returned", "po_returned", "in_transit", 20_00);
        Payout created = create(destination(account), "20.00", TestServer.newIdempotencyKey());
        deliver(connectEvent(eventId(), "payout.paid", providerIdOf(account), payout("po_returned", "paid", 20_00, created.getId(), 0, null)));
        stripe.alsoAnswers(TRANSFERS + "/tr_returned/reversals", 200, reversal("trr_returned", "tr_returned", 20_00));

        deliver(connectEvent(eventId(), "payout.failed", providerIdOf(account),
                payout("po_returned", "failed", 20_00, created.getId(), 0, "account_closed")));
        payflow.server().payouts().advanceDue();

        Payout failed = get(created.getId());
        assertThat(failed.getStatus()).isEqualTo(Payout.Status.failed);
        assertThat(failed.getFailureCode()).isEqualTo("account_closed");
        assertThat(failed.getFailureMessage()).isEqualTo("The bank account has been closed.");
        assertThat(failed.getStatusHistoryList()).extracting(Payout.StatusChange::getStatus)
                .containsExactly(Payout.Status.pending, Payout.Status.in_transit, Payout.Status.paid, Payout.Status.failed);
        LoggedRequest reversal = stripe.requestsTo(TRANSFERS + "/tr_returned/reversals").get(0);
        assertThat(reversal.getHeader("Idempotency-Key")).isEqualTo(created.getId() + ":reverse");
        assertThat(failed.getTransactionIdsList()).hasSize(2);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
        assertThat(systemBalance("gateway_clearing")).as("the reversal brought the money back to the platform").isZero();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void repeatedAndOutOfOrderPayoutEventsChangeNothingTwice() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripeMakes("tr_events", "po_events", "pending", 15_00);
        Payout created = create(destination(account), "15.00", TestServer.newIdempotencyKey());
        String paidEvent = connectEvent(eventId(), "payout.paid", providerIdOf(account),
                payout("po_events", "paid", 15_00, created.getId(), 0, null));

        deliver(paidEvent);
        deliver(paidEvent);
        deliver(connectEvent(eventId(), "payout.paid", providerIdOf(account), payout("po_events", "paid", 15_00, created.getId(), 0, null)));
        deliver(connectEvent(eventId(), "payout.updated", providerIdOf(account),
                payout("po_events", "in_transit", 15_00, created.getId(), 0, null)));
        deliver(connectEvent(eventId(), "payout.canceled", providerIdOf(account),
                payout("po_events", "canceled", 15_00, created.getId(), 0, null)));
        deliver(connectEvent(eventId(), "payout.paid", "acct_somebody_else", payout("po_events", "failed", 15_00, created.getId(), 0,
                "account_closed")));

        Payout paid = get(created.getId());
        assertThat(paid.getStatus()).isEqualTo(Payout.Status.paid);
        assertThat(paid.getStatusHistoryList()).extracting(Payout.StatusChange::getStatus)
                .containsExactly(Payout.Status.pending, Payout.Status.in_transit, Payout.Status.paid);
        assertThat(paid.getStatusHistory(2).getCause()).isEqualTo("webhook");
        assertThat(paid.getStatusHistory(2).getCauseId()).startsWith("gwe_");
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("85.00");
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void cancelledBeforeTheTransferGivesTheMoneyBackAtOnceAndALateTransferIsReversedNotBooked() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripe.alsoAnswers(TRANSFERS, 500, error("api_error", "", "Stripe is having a bad day"));
        Payout pending = create(destination(account), "12.00", TestServer.newIdempotencyKey());
        assertThat(pending.getStatus()).isEqualTo(Payout.Status.pending);
        assertThat(pending.getProviderTransferId()).as("the transfer's outcome is unknown").isEmpty();
        stripe.alsoAnswersGet(TRANSFERS, list(TRANSFERS));

        Payout cancelled = payouts().cancelPayout(CancelPayoutRequest.newBuilder().setId(pending.getId()).build());

        assertThat(cancelled.getStatus()).isEqualTo(Payout.Status.cancelled);
        assertThat(cancelled.getTransactionIdsList()).hasSize(2);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
        assertThat(payouts().cancelPayout(CancelPayoutRequest.newBuilder().setId(pending.getId()).build()).getStatusHistoryList())
                .as("cancelling twice is one cancel").hasSize(2);

        // The transfer Stripe did make after all shows up when the worker looks again: it is reversed, and the books stay as they are.
        stripe.alsoAnswersGet(TRANSFERS, list(TRANSFERS, transfer("tr_late", 12_00, providerIdOf(account), pending.getId())));
        stripe.alsoAnswers(TRANSFERS + "/tr_late/reversals", 200, reversal("trr_late", "tr_late", 12_00));
        payflow.clock().advance(Payouts.STEP_LEASE);
        payflow.server().payouts().advanceDue();

        Payout settled = get(pending.getId());
        assertThat(settled.getProviderTransferId()).isEqualTo("tr_late");
        assertThat(stripe.requestsTo(TRANSFERS + "/tr_late/reversals")).hasSize(1);
        assertThat(settled.getTransactionIdsList()).hasSize(2);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
        assertThat(systemBalance("gateway_clearing")).isZero();
        assertThat(systemBalance("payouts_in_transit")).isZero();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void cancelledWhileStripeStillHoldsThePayoutIsCancelledThereTheTransferReversedAndTheMoneyBack() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripeMakes("tr_cancel", "po_cancel", "pending", 18_00);
        Payout created = create(destination(account), "18.00", TestServer.newIdempotencyKey());
        stripe.alsoAnswers(PAYOUTS + "/po_cancel/cancel", 200, payout("po_cancel", "canceled", 18_00, created.getId(), 0, null));
        stripe.alsoAnswers(TRANSFERS + "/tr_cancel/reversals", 200, reversal("trr_cancel", "tr_cancel", 18_00));

        Payout cancelled = payouts().cancelPayout(CancelPayoutRequest.newBuilder().setId(created.getId()).build());

        assertThat(cancelled.getStatus()).isEqualTo(Payout.Status.cancelled);
        LoggedRequest cancel = stripe.requestsTo(PAYOUTS + "/po_cancel/cancel").get(0);
        assertThat(cancel.getHeader("Stripe-Account")).isEqualTo(providerIdOf(account));
        assertThat(stripe.requestsTo(TRANSFERS + "/tr_cancel/reversals")).hasSize(1);
        assertThat(cancelled.getTransactionIdsList()).hasSize(2);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
        assertThat(systemBalance("gateway_clearing")).isZero();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void cancelAfterTheBankTookThePayoutIsRefusedAndChangesNothing() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripeMakes("tr_late_cancel", "po_late_cancel", "in_transit", 5_00);
        Payout created = create(destination(account), "5.00", TestServer.newIdempotencyKey());

        assertGrpcError(() -> payouts().cancelPayout(CancelPayoutRequest.newBuilder().setId(created.getId()).build()),
                Status.Code.FAILED_PRECONDITION, "PAYOUT_NOT_CANCELLABLE");

        assertThat(stripe.requestsTo(PAYOUTS + "/po_late_cancel/cancel")).isEmpty();
        assertThat(get(created.getId()).getStatus()).isEqualTo(Payout.Status.in_transit);
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("95.00");
    }

    @Test
    void aReplayReturnsThePayoutAsItIsNowAndMovesNothingTwice() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        stripeMakes("tr_replay", "po_replay", "pending", 7_00);
        String idempotencyKey = TestServer.newIdempotencyKey();
        Payout first = create(destination(account), "7.00", idempotencyKey);

        Payout again = create(destination(account), "7.00", idempotencyKey);

        assertThat(again.getId()).isEqualTo(first.getId());
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("93.00");
        assertThat(requestsFor(TRANSFERS, first.getId())).hasSize(1);
        assertGrpcError(() -> create(destination(account), "8.00", idempotencyKey), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
        assertThat(payouts().listPayouts(ListPayoutsRequest.newBuilder().setWalletId(wallet.getId()).build()).getPayoutsList())
                .extracting(Payout::getId).containsExactly(first.getId());
    }

    @Test
    void processDiesBetweenTheHoldAndTheTransferAndBetweenTheTransferAndThePayoutAndRestartFinishesWithOneOfEach() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.empty());
        // Stripe's answers are lost: as far as PayFlow knows, the process died after the hold committed.
        stripe.alsoAnswers(TRANSFERS, 500, error("api_error", "", "lost"));
        Payout held = create(destination(account), "33.00", TestServer.newIdempotencyKey());
        assertThat(held.getStatus()).isEqualTo(Payout.Status.pending);
        payflow = payflow.restart(stripe.config());

        // After the restart the transfer is made, and the bank payout's answer is lost in turn.
        stripe.alsoAnswers(TRANSFERS, 200, transfer("tr_crash", 33_00, providerIdOf(account), held.getId()));
        stripe.alsoAnswers(PAYOUTS, 500, error("api_error", "", "lost"));
        payflow.clock().advance(Payouts.STEP_LEASE);
        payflow.server().payouts().advanceDue();
        assertThat(get(held.getId()).getProviderTransferId()).isEqualTo("tr_crash");
        assertThat(get(held.getId()).getStatus()).isEqualTo(Payout.Status.pending);
        payflow = payflow.restart(stripe.config());

        stripe.alsoAnswers(PAYOUTS, 200, payout("po_crash", "pending", 33_00, held.getId(), NOW.getEpochSecond(), null));
        payflow.clock().advance(Duration.ofHours(1));
        payflow.server().payouts().advanceDue();

        Payout finished = get(held.getId());
        assertThat(finished.getStatus()).isEqualTo(Payout.Status.in_transit);
        assertThat(finished.getProviderPayoutId()).isEqualTo("po_crash");
        assertThat(requestsFor(TRANSFERS, held.getId())).as("every transfer call carries the one key, so Stripe makes one transfer")
                .isNotEmpty().allSatisfy(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo(held.getId() + ":transfer"));
        assertThat(requestsFor(PAYOUTS, held.getId())).as("and every payout call its one key")
                .isNotEmpty().allSatisfy(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo(held.getId() + ":payout"));
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("67.00");
        assertThat(systemBalance("payouts_in_transit")).isZero();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void refusalsNameTheirReasonAndMoveNothing() {
        String ready = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.of("ready-user"));
        String notReady = connectedAccount(ConnectedAccount.Type.EXPRESS, false, Optional.of("onboarding-user"));

        assertGrpcError(() -> create(destination(ready), "100.01", TestServer.newIdempotencyKey()), Status.Code.FAILED_PRECONDITION,
                "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> create(destination(notReady), "1.00", TestServer.newIdempotencyKey()), Status.Code.FAILED_PRECONDITION,
                "CONNECT_ACCOUNT_NOT_READY");
        assertGrpcError(() -> create(destinationOfUser("nobody"), "1.00", TestServer.newIdempotencyKey()), Status.Code.NOT_FOUND,
                "CONNECT_ACCOUNT_NOT_FOUND");
        assertGrpcError(() -> create(PayoutDestination.getDefaultInstance(), "1.00", TestServer.newIdempotencyKey()),
                Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> create(PayoutDestination.newBuilder().setConnectedAccountId(ready).setExternalUserId("ready-user").build(),
                "1.00", TestServer.newIdempotencyKey()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        payflow.setWalletStatus(key, wallet.getId(), Wallet.Status.frozen);
        assertGrpcError(() -> create(destination(ready), "1.00", TestServer.newIdempotencyKey()), Status.Code.FAILED_PRECONDITION,
                "WALLET_FROZEN");
        payflow.setWalletStatus(key, wallet.getId(), Wallet.Status.active);

        assertThat(stripe.requestsTo(TRANSFERS)).isEmpty();
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("100.00");
    }

    @Test
    void anotherPartnerCannotPayToThisPartnersAccountNorSeeItsPayouts() {
        String account = connectedAccount(ConnectedAccount.Type.EXPRESS, true, Optional.of("shared-name"));
        stripeMakes("tr_mine", "po_mine", "pending", 3_00);
        Payout mine = create(destination(account), "3.00", TestServer.newIdempotencyKey());
        TestServer.PartnerKeys other = payflow.onboard(Partner.Status.active);
        Wallet theirs = payflow.newWallet(other.sandboxKey(), "USD");
        payflow.credit(other.sandboxKey(), theirs.getId(), "50.00", "USD");
        PayoutServiceGrpc.PayoutServiceBlockingStub otherPayouts = TestServer.withBearer(PayoutServiceGrpc.newBlockingStub(payflow.channel()),
                other.sandboxKey());

        assertGrpcError(() -> otherPayouts.createPayout(request(theirs.getId(), destination(account), "1.00", TestServer.newIdempotencyKey())),
                Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertGrpcError(() -> otherPayouts.createPayout(request(theirs.getId(), destinationOfUser("shared-name"), "1.00",
                TestServer.newIdempotencyKey())), Status.Code.NOT_FOUND, "CONNECT_ACCOUNT_NOT_FOUND");
        assertGrpcError(() -> otherPayouts.getPayout(GetPayoutRequest.newBuilder().setId(mine.getId()).build()), Status.Code.NOT_FOUND,
                "PAYOUT_NOT_FOUND");
        assertGrpcError(() -> otherPayouts.cancelPayout(CancelPayoutRequest.newBuilder().setId(mine.getId()).build()), Status.Code.NOT_FOUND,
                "PAYOUT_NOT_FOUND");
        assertThat(payflow.balanceOf(other.sandboxKey(), theirs.getId())).isEqualTo("50.00");
    }

    // --- Helpers ---------------------------------------------------------------------------------

    /** Stripe makes the transfer and the bank payout (in {@code payoutStatus}, arriving in two days). */
    private void stripeMakes(String transferId, String payoutId, String payoutStatus, long amountMinor) {
        stripe.alsoAnswers(TRANSFERS, 200, transfer(transferId, amountMinor, "acct_any", "pout_any"));
        stripe.alsoAnswers(PAYOUTS, 200, payout(payoutId, payoutStatus, amountMinor, "pout_any", NOW.plus(Duration.ofDays(2)).getEpochSecond(),
                null));
    }

    /** A connected account of the partner, in sandbox, as the Connect flow leaves it once Stripe has said what it can do. */
    private String connectedAccount(ConnectedAccount.Type type, boolean payoutsEnabled, Optional<String> externalUserId) {
        String id = new Ids(payflow.clock(), new SecureRandom()).next(IdPrefix.CONNECTED_ACCOUNT);
        ConnectedAccount account = new ConnectedAccount(id, new PartnerScope(partner.partnerId(), false), "stripe",
                Optional.of("acct_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)), type, externalUserId, "holder@example.com",
                "US", Optional.empty(), new ConnectedAccount.GatewayState(payoutsEnabled, payoutsEnabled,
                        Map.of("transfers", payoutsEnabled ? "active" : "inactive"), ConnectedAccount.Requirements.NONE),
                "{}", NOW, NOW, Optional.empty());
        payflow.server().database().inTransaction(tx -> new ConnectedAccountRepository().insertUnlessHolderHasOne(tx, account));
        return id;
    }

    private String providerIdOf(String connectedAccountId) {
        return new ConnectedAccountRepository().find(payflow.server().database().reader(), new PartnerScope(partner.partnerId(), false), connectedAccountId)
                .orElseThrow().providerAccountId().orElseThrow();
    }

    private static PayoutDestination destination(String connectedAccountId) {
        return PayoutDestination.newBuilder().setConnectedAccountId(connectedAccountId).build();
    }

    private static PayoutDestination destinationOfUser(String externalUserId) {
        return PayoutDestination.newBuilder().setExternalUserId(externalUserId).build();
    }

    private static CreatePayoutRequest request(String walletId, PayoutDestination destination, String amount, String idempotencyKey) {
        return CreatePayoutRequest.newBuilder().setWalletId(walletId).setAmount(amount).setCurrency("USD").setDestination(destination)
                .setDescription("Savings circle pot").setIdempotencyKey(idempotencyKey).build();
    }

    private Payout create(PayoutDestination destination, String amount, String idempotencyKey) {
        return payouts().createPayout(request(wallet.getId(), destination, amount, idempotencyKey));
    }

    private Payout get(String id) {
        return payouts().getPayout(GetPayoutRequest.newBuilder().setId(id).build());
    }

    private PayoutServiceGrpc.PayoutServiceBlockingStub payouts() {
        return TestServer.withBearer(PayoutServiceGrpc.newBlockingStub(payflow.channel()), key);
    }

    /** The POSTs to {@code path} for this payout of ours (by the metadata PayFlow sends). */
    private static List<LoggedRequest> requestsFor(String path, String payoutId) {
        return stripe.requestsTo(path).stream().filter(request -> payoutId.equals(form(request).get("metadata[payflow_payout_id]"))).toList();
    }

    private static LoggedRequest only(String path, String payoutId) {
        List<LoggedRequest> found = requestsFor(path, payoutId);
        assertThat(found).as("POSTs to %s for %s", path, payoutId).hasSize(1);
        return found.get(0);
    }

    private static void deliver(String eventJson) {
        byte[] body = eventJson.getBytes(StandardCharsets.UTF_8);
        TestServer.Rest response = payflow.rest("POST", "/api/v1/webhooks/stripe", null, eventJson, Map.of("Stripe-Signature",
                signature(FakeStripe.WEBHOOK_SECRET_TEST, payflow.clock().instant().getEpochSecond(), body)));
        assertThat(response.status()).as("the intake's answer to %s", eventJson).isEqualTo(200);
    }

    private static String eventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** The partner's sandbox system account of this kind at Stripe: the sum of its entries, in minor units. */
    private long systemBalance(String kind) {
        Object sum = payflow.server().database().reader().fetchValue("select coalesce(sum(e.amount_minor), 0) from ledger_entries e join system_accounts a "
                + "on a.id = e.system_account_id where a.partner_id = ? and a.livemode = false and a.kind = ? and a.provider = 'stripe'",
                partner.partnerId(), kind);
        return ((Number) sum).longValue();
    }
}
