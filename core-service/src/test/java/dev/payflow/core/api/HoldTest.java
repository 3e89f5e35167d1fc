package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.testing.JsonBodies;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetHoldRequest;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.ListWalletHoldsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.VoidHoldRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Holds: reserve, capture (as a debit or a transfer), void, expire; each once, each idempotent. */
class HoldTest {
    private static final TestClock CLOCK = TestClock.frozenAt(Instant.parse("2026-12-01T12:00:00Z"));
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(CLOCK);
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
    }

    @AfterEach
    void booksStayBalanced() {
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Placing --------------------------------------------------------------------------------------

    @Test
    void aHoldLowersTheAvailableBalanceAndLeavesTheBalanceAndTheStatementAlone() {
        Wallet wallet = fundedWallet("100.00");

        Hold hold = place(wallet, "30.00", newKey());

        assertThat(hold.getId()).startsWith("hld_");
        assertThat(hold.getStatus()).isEqualTo(Hold.Status.pending);
        assertThat(hold.getAmount()).isEqualTo("30.00");
        assertThat(hold.getCapturedAmount()).isEqualTo("0.00");
        assertThat(hold.getExpiresAt()).isEqualTo(timestamp(CLOCK.instant().plus(Duration.ofDays(7))));
        assertThat(hold.hasResolvedAt()).isFalse();
        Wallet after = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build());
        assertThat(after.getBalance()).isEqualTo("100.00");
        assertThat(after.getAvailableBalance()).isEqualTo("70.00");
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("70.00");
        assertThat(payflow.ledger(partner.sandboxKey()).listLedgerEntries(dev.payflow.proto.v1.ListLedgerEntriesRequest.newBuilder()
                .setWalletId(wallet.getId()).build()).getLedgerEntriesCount()).as("only the credit is on the statement").isEqualTo(1);
    }

    @Test
    void heldFundsCannotBeDebitedTransferredOrHeldAgain() {
        Wallet wallet = fundedWallet("100.00");
        place(wallet, "80.00", newKey());

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("20.01").setCurrency("USD").setIdempotencyKey(newKey()).build()), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> place(wallet, "20.01", newKey()), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("20.00").setCurrency("USD").setIdempotencyKey(newKey()).build());

        assertThat(balance(wallet).getBalance()).isEqualTo("80.00");
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("0.00");
    }

    @Test
    void aReplayedPlacementReturnsTheSameHoldAndAnotherRequestUnderItsKeyIsRefused() {
        Wallet wallet = fundedWallet("50.00");
        String key = newKey();

        Hold first = place(wallet, "10.00", key);
        Hold again = place(wallet, "10.00", key);

        assertThat(again).isEqualTo(first);
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("40.00");
        assertGrpcError(() -> place(wallet, "11.00", key), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    void anExpiryInThePastOrBeyondThirtyDaysIsRefusedBeforeAnythingIsRecorded() {
        Wallet wallet = fundedWallet("50.00");
        String key = newKey();

        assertGrpcError(() -> payflow.holds(partner.sandboxKey()).createHold(request(wallet, "1.00", key)
                .setExpiresAt(timestamp(CLOCK.instant())).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.holds(partner.sandboxKey()).createHold(request(wallet, "1.00", key)
                .setExpiresAt(timestamp(CLOCK.instant().plus(Duration.ofDays(30)).plusSeconds(1))).build()), Status.Code.INVALID_ARGUMENT,
                "INVALID_FIELD");

        Hold placed = payflow.holds(partner.sandboxKey()).createHold(request(wallet, "1.00", key)
                .setExpiresAt(timestamp(CLOCK.instant().plus(Duration.ofDays(30)))).build());
        assertThat(placed.getStatus()).as("the key was not consumed by the refusals").isEqualTo(Hold.Status.pending);
    }

    @Test
    void aPartnerKeyInPayflowsOwnNamespaceIsRefusedBeforeAnythingIsClaimed() {
        Wallet wallet = fundedWallet("50.00");

        assertGrpcError(() -> place(wallet, "1.00", "sys:hold-expiry:hld_x:expire"), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").setIdempotencyKey("sys:anything").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");

        assertThat(balance(wallet).getBalance()).isEqualTo("50.00");
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("50.00");
    }

    // --- Capturing -------------------------------------------------------------------------------------

    @Test
    void aFullCaptureIsADebitToSettlementThatNamesItsHold() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = place(wallet, "30.00", newKey());
        CLOCK.advance(Duration.ofMinutes(1));

        Hold captured = payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(hold.getId())
                .setIdempotencyKey(newKey()).build());

        assertThat(captured.getStatus()).isEqualTo(Hold.Status.captured);
        assertThat(captured.getCapturedAmount()).isEqualTo("30.00");
        assertThat(captured.getResolvedAt()).isEqualTo(timestamp(CLOCK.instant()));
        Transaction debit = payflow.ledger(partner.sandboxKey()).getTransaction(GetTransactionRequest.newBuilder()
                .setId(captured.getTransactionId()).build());
        assertThat(debit.getType()).isEqualTo(Transaction.Type.debit);
        assertThat(debit.getAmount()).isEqualTo("30.00");
        assertThat(debit.getHoldId()).isEqualTo(hold.getId());
        assertThat(debit.getFromWalletId()).isEqualTo(wallet.getId());
        assertThat(debit.getDescription()).as("the hold's description when the capture gives none").isEqualTo("Seat reservation");
        assertThat(balance(wallet).getBalance()).isEqualTo("70.00");
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("70.00");
    }

    @Test
    void aPartialCaptureToAnotherWalletIsATransferAndReleasesTheRest() {
        Wallet wallet = fundedWallet("100.00");
        Wallet winner = newWallet(partner.sandboxKey(), "USD");
        Hold hold = place(wallet, "60.00", newKey());

        Hold captured = payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(hold.getId())
                .setAmount("45.50").setToWalletId(winner.getId()).setDescription("Pot, week 3").setIdempotencyKey(newKey()).build());

        assertThat(captured.getCapturedAmount()).isEqualTo("45.50");
        assertThat(captured.getToWalletId()).isEqualTo(winner.getId());
        Transaction transfer = payflow.ledger(partner.sandboxKey()).getTransaction(GetTransactionRequest.newBuilder()
                .setId(captured.getTransactionId()).build());
        assertThat(transfer.getType()).isEqualTo(Transaction.Type.transfer);
        assertThat(transfer.getToWalletId()).isEqualTo(winner.getId());
        assertThat(transfer.getDescription()).isEqualTo("Pot, week 3");
        assertThat(balance(wallet).getBalance()).isEqualTo("54.50");
        assertThat(balance(wallet).getAvailableBalance()).as("the 14.50 not captured is released").isEqualTo("54.50");
        assertThat(balance(winner).getBalance()).isEqualTo("45.50");
    }

    @Test
    void aCaptureAboveTheHeldAmountIsRefusedAndConsumesItsKey() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = place(wallet, "10.00", newKey());
        String key = newKey();

        assertGrpcError(() -> capture(hold, "10.01", key), Status.Code.FAILED_PRECONDITION, "HOLD_AMOUNT_EXCEEDED");
        assertGrpcError(() -> capture(hold, "10.01", key), Status.Code.FAILED_PRECONDITION, "HOLD_AMOUNT_EXCEEDED");

        assertThat(get(hold).getStatus()).isEqualTo(Hold.Status.pending);
    }

    @Test
    void aCaptureAmountWithMoreDecimalsThanTheHoldsCurrencyIsInvalidAndDoesNotConsumeTheKey() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = place(wallet, "10.00", newKey());
        String key = newKey();

        assertGrpcError(() -> capture(hold, "1.001", key), Status.Code.INVALID_ARGUMENT, "INVALID_AMOUNT");

        assertThat(capture(hold, "1.00", key).getCapturedAmount()).isEqualTo("1.00");
    }

    @Test
    void aCaptureOfAnUnknownHoldWithAnotherAmountUnderTheSameKeyIsAReusedKeyNotAReplay() {
        String unknownHold = "hld_" + "0".repeat(26);
        String key = newKey();

        assertGrpcError(() -> payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(unknownHold)
                .setAmount("5.00").setIdempotencyKey(key).build()), Status.Code.NOT_FOUND, "HOLD_NOT_FOUND");
        assertGrpcError(() -> payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(unknownHold)
                .setAmount("6.00").setIdempotencyKey(key).build()), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    void aCaptureFollowsTheWalletRulesOfATransfer() {
        Wallet wallet = fundedWallet("100.00");
        Wallet euros = newWallet(partner.sandboxKey(), "EUR");
        Wallet frozen = newWallet(partner.sandboxKey(), "USD");
        setStatus(frozen, Wallet.Status.frozen);
        Hold hold = place(wallet, "10.00", newKey());

        assertGrpcError(() -> captureTo(hold, wallet, newKey()), Status.Code.INVALID_ARGUMENT, "SAME_WALLET");
        assertGrpcError(() -> captureTo(hold, euros, newKey()), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH");
        assertGrpcError(() -> captureTo(hold, frozen, newKey()), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
        assertGrpcError(() -> captureTo(hold, newWallet(otherPartner.sandboxKey(), "USD"), newKey()), Status.Code.NOT_FOUND,
                "WALLET_NOT_FOUND");
        setStatus(wallet, Wallet.Status.frozen);
        assertGrpcError(() -> capture(hold, "1.00", newKey()), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");

        assertThat(get(hold).getStatus()).isEqualTo(Hold.Status.pending);
    }

    @Test
    void aReplayedCaptureReturnsTheCapturedHoldAndBooksOnce() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = place(wallet, "25.00", newKey());
        String key = newKey();

        Hold first = capture(hold, "20.00", key);
        Hold again = capture(hold, "20.00", key);

        assertThat(again).isEqualTo(first);
        assertThat(balance(wallet).getBalance()).isEqualTo("80.00");
        assertGrpcError(() -> capture(hold, "20.00", newKey()), Status.Code.FAILED_PRECONDITION, "HOLD_NOT_PENDING");
    }

    // --- Voiding and expiring --------------------------------------------------------------------------

    @Test
    void voidingReleasesTheFundsBooksNothingAndWorksOnAFrozenWallet() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = place(wallet, "40.00", newKey());
        setStatus(wallet, Wallet.Status.frozen);

        Hold voided = payflow.holds(partner.sandboxKey()).voidHold(VoidHoldRequest.newBuilder().setId(hold.getId())
                .setIdempotencyKey(newKey()).build());

        assertThat(voided.getStatus()).isEqualTo(Hold.Status.voided);
        assertThat(voided.getTransactionId()).isEmpty();
        assertThat(balance(wallet).getBalance()).isEqualTo("100.00");
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("100.00");
        assertGrpcError(() -> capture(hold, "1.00", newKey()), Status.Code.FAILED_PRECONDITION, "HOLD_NOT_PENDING");
        assertGrpcError(() -> payflow.holds(partner.sandboxKey()).voidHold(VoidHoldRequest.newBuilder().setId(hold.getId())
                .setIdempotencyKey(newKey()).build()), Status.Code.FAILED_PRECONDITION, "HOLD_NOT_PENDING");
    }

    @Test
    void aHoldPastItsExpiryCannotBeCapturedAndTheWorkerReleasesItOnce() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = payflow.holds(partner.sandboxKey()).createHold(request(wallet, "35.00", newKey())
                .setExpiresAt(timestamp(CLOCK.instant().plus(Duration.ofHours(1)))).build());
        CLOCK.advance(Duration.ofHours(1));

        assertGrpcError(() -> capture(hold, "35.00", newKey()), Status.Code.FAILED_PRECONDITION, "HOLD_EXPIRED");
        assertThat(payflow.server().holdExpiry().releaseDue()).as("released by the first run").isGreaterThanOrEqualTo(1);
        assertThat(payflow.server().holdExpiry().releaseDue()).as("nothing left for a second run").isZero();

        Hold expired = get(hold);
        assertThat(expired.getStatus()).isEqualTo(Hold.Status.expired);
        assertThat(expired.getResolvedAt()).isEqualTo(timestamp(CLOCK.instant()));
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("100.00");
        assertGrpcError(() -> capture(hold, "35.00", newKey()), Status.Code.FAILED_PRECONDITION, "HOLD_NOT_PENDING");
    }

    @Test
    void aPastBalanceShowsWhatWasHeldAtThatMoment() {
        Wallet wallet = fundedWallet("100.00");
        CLOCK.advance(Duration.ofSeconds(1));
        Hold hold = place(wallet, "30.00", newKey());
        Instant whileHeld = CLOCK.instant();
        CLOCK.advance(Duration.ofSeconds(1));
        payflow.holds(partner.sandboxKey()).voidHold(VoidHoldRequest.newBuilder().setId(hold.getId()).setIdempotencyKey(newKey()).build());
        CLOCK.advance(Limits.BALANCE_SETTLED_AFTER);

        var then = payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId())
                .setAsOf(timestamp(whileHeld)).build());

        assertThat(then.getBalance()).isEqualTo("100.00");
        assertThat(then.getAvailableBalance()).isEqualTo("70.00");
        assertThat(balance(wallet).getAvailableBalance()).isEqualTo("100.00");
    }

    // --- Races, isolation, REST ------------------------------------------------------------------------

    @Test
    void aCaptureAndAVoidRacingForOneHoldResolveItExactlyOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                Wallet wallet = fundedWallet("10.00");
                Hold hold = place(wallet, "10.00", newKey());
                CountDownLatch go = new CountDownLatch(1);
                Callable<Hold> capture = () -> {
                    go.await();
                    return capture(hold, "10.00", newKey());
                };
                Callable<Hold> voiding = () -> {
                    go.await();
                    return payflow.holds(partner.sandboxKey()).voidHold(VoidHoldRequest.newBuilder().setId(hold.getId())
                            .setIdempotencyKey(newKey()).build());
                };
                List<Future<Hold>> racing = List.of(threads.submit(capture), threads.submit(voiding));
                go.countDown();
                List<Hold> winners = new ArrayList<>();
                List<String> losers = new ArrayList<>();
                for (Future<Hold> attempt : racing) {
                    try {
                        winners.add(attempt.get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        losers.add(dev.payflow.core.testing.ApiErrors.errorInfo(io.grpc.protobuf.StatusProto.fromThrowable(e.getCause()))
                                .getReason());
                    }
                }

                assertThat(winners).as("round %d", round).hasSize(1);
                assertThat(losers).as("round %d", round).containsExactly("HOLD_NOT_PENDING");
                Hold after = get(hold);
                assertThat(after.getStatus()).isEqualTo(winners.get(0).getStatus());
                assertThat(balance(wallet).getBalance()).isEqualTo(after.getStatus() == Hold.Status.captured ? "0.00" : "10.00");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anotherPartnersHoldIsNotFound() {
        Wallet wallet = fundedWallet("100.00");
        Hold hold = place(wallet, "10.00", newKey());

        assertGrpcError(() -> payflow.holds(otherPartner.sandboxKey()).getHold(GetHoldRequest.newBuilder().setId(hold.getId()).build()),
                Status.Code.NOT_FOUND, "HOLD_NOT_FOUND");
        assertGrpcError(() -> payflow.holds(otherPartner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(hold.getId())
                .setIdempotencyKey(newKey()).build()), Status.Code.NOT_FOUND, "HOLD_NOT_FOUND");
        assertGrpcError(() -> payflow.holds(partner.productionKey()).voidHold(VoidHoldRequest.newBuilder().setId(hold.getId())
                .setIdempotencyKey(newKey()).build()), Status.Code.NOT_FOUND, "HOLD_NOT_FOUND");

        assertThat(get(hold).getStatus()).isEqualTo(Hold.Status.pending);
    }

    @Test
    void holdsWorkOverRestWithTheirDocumentedPathsAndLowercaseWords() {
        Wallet wallet = fundedWallet("100.00");

        TestServer.Rest placed = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/holds", partner.sandboxKey(),
                JsonBodies.json(Map.of("amount", "12.00", "currency", "USD", "description", "Deposit")), Map.of("Idempotency-Key", newKey()));
        assertThat(placed.status()).as("%s", placed.body()).isEqualTo(200);
        assertThat(placed.body().get("status").getAsString()).isEqualTo("pending");
        assertThat(placed.body().get("capturedAmount").getAsString()).isEqualTo("0.00");
        String holdId = placed.body().get("id").getAsString();

        TestServer.Rest listed = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/holds?status=pending", partner.sandboxKey(), null);
        assertThat(listed.body().getAsJsonArray("holds")).hasSize(1);
        TestServer.Rest captured = payflow.rest("POST", "/api/v1/holds/" + holdId + "/capture", partner.sandboxKey(),
                JsonBodies.json(Map.of("amount", "2.00", "idempotencyKey", newKey())));
        assertThat(captured.body().get("status").getAsString()).isEqualTo("captured");
        assertThat(payflow.rest("GET", "/api/v1/holds/" + holdId, partner.sandboxKey(), null).body().get("capturedAmount").getAsString())
                .isEqualTo("2.00");
        assertThat(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/holds?status=pending", partner.sandboxKey(), null).body()
                .getAsJsonArray("holds")).isEmpty();
        assertRestError(payflow.rest("POST", "/api/v1/holds/" + holdId + "/void", partner.sandboxKey(),
                JsonBodies.json(Map.of("idempotencyKey", newKey()))), 400, "HOLD_NOT_PENDING");
        assertThat(payflow.rest("GET", "/api/v1/wallets/" + wallet.getId(), partner.sandboxKey(), null).body().get("availableBalance")
                .getAsString()).isEqualTo("98.00");
    }

    @Test
    void placingAndCapturingNeedTransactionsWriteAndReadingNeedsTransactionsRead() {
        String readOnly = payflow.issueKey(partner.partnerId(), dev.payflow.proto.v1.ApiKey.Environment.sandbox, "transactions:read");
        String writeOnly = payflow.issueKey(partner.partnerId(), dev.payflow.proto.v1.ApiKey.Environment.sandbox, "transactions:write");
        Wallet wallet = fundedWallet("10.00");
        Hold hold = place(wallet, "1.00", newKey());

        assertGrpcError(() -> payflow.holds(readOnly).createHold(request(wallet, "1.00", newKey()).build()), Status.Code.PERMISSION_DENIED,
                "MISSING_PERMISSION");
        assertGrpcError(() -> payflow.holds(writeOnly).getHold(GetHoldRequest.newBuilder().setId(hold.getId()).build()),
                Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        assertThat(payflow.holds(readOnly).listWalletHolds(ListWalletHoldsRequest.newBuilder().setWalletId(wallet.getId()).build())
                .getHoldsList()).extracting(Hold::getId).containsExactly(hold.getId());
    }

    // --- Helpers ---------------------------------------------------------------------------------------

    private static Wallet fundedWallet(String amount) {
        Wallet wallet = newWallet(partner.sandboxKey(), "USD");
        payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount)
                .setCurrency("USD").setIdempotencyKey(newKey()).build());
        return wallet;
    }

    private static Wallet newWallet(String key, String currency) {
        return payflow.wallets(key).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("user-" + UUID.randomUUID())
                .setExternalWalletId("wallet-" + UUID.randomUUID()).setName("Holds test").setCurrency(currency).build());
    }

    private static void setStatus(Wallet wallet, Wallet.Status status) {
        payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId()).setStatus(status).build());
    }

    private static CreateHoldRequest.Builder request(Wallet wallet, String amount, String key) {
        return CreateHoldRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount).setCurrency(wallet.getCurrency())
                .setDescription("Seat reservation").setIdempotencyKey(key);
    }

    private static Hold place(Wallet wallet, String amount, String key) {
        return payflow.holds(partner.sandboxKey()).createHold(request(wallet, amount, key).build());
    }

    private static Hold capture(Hold hold, String amount, String key) {
        return payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(hold.getId()).setAmount(amount)
                .setIdempotencyKey(key).build());
    }

    private static Hold captureTo(Hold hold, Wallet to, String key) {
        return payflow.holds(partner.sandboxKey()).captureHold(CaptureHoldRequest.newBuilder().setId(hold.getId()).setToWalletId(to.getId())
                .setIdempotencyKey(key).build());
    }

    private static Hold get(Hold hold) {
        return payflow.holds(partner.sandboxKey()).getHold(GetHoldRequest.newBuilder().setId(hold.getId()).build());
    }

    private static dev.payflow.proto.v1.WalletBalance balance(Wallet wallet) {
        return payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId()).build());
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static String newKey() {
        return "hold-test-" + UUID.randomUUID();
    }
}
