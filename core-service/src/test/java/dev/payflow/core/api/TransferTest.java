package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.GetTransferRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** CreateTransfer and GetTransfer over both doors: instant moves between two wallets, and every way one is refused. */
class TransferTest {
    /** A well-formed wallet id that no wallet has. */
    private static final String UNKNOWN_WALLET_ID = "wal_" + "0".repeat(26);
    private static final Metadata.Key<String> IDEMPOTENCY_KEY_HEADER = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    /** Wallets shared by the error-precedence table; no row moves money, so they keep their state. */
    private static Fixture fixture;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
        fixture = Fixture.create();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Transfers that happen ----------------------------------------------------------------------

    @Test
    void transferMovesMoneyInstantlyAndItsEntriesShowBothWalletsNewBalances() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), from.getId(), "100.00");
        credit(partner.sandboxKey(), to.getId(), "5.00");
        String key = newIdempotencyKey();

        Transaction t = transfers(partner.sandboxKey()).createTransfer(CreateTransferRequest.newBuilder().setFromWalletId(from.getId())
                .setToWalletId(to.getId()).setAmount("30.00").setCurrency("USD").setDescription("Rent share").setIdempotencyKey(key).build());

        assertThat(t.getId()).startsWith("txn_");
        assertThat(t.getType()).isEqualTo(Transaction.Type.transfer);
        assertThat(t.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(t.getFromWalletId()).isEqualTo(from.getId());
        assertThat(t.getToWalletId()).isEqualTo(to.getId());
        assertThat(t.getAmount()).isEqualTo("30.00");
        assertThat(t.getCurrency()).isEqualTo("USD");
        assertThat(t.getDescription()).isEqualTo("Rent share");
        assertThat(t.getIdempotencyKey()).isEqualTo(key);
        assertThat(t.getGateway()).as("transfers need no gateway").isEmpty();
        assertThat(t.getLivemode()).isFalse();
        assertThat(t.hasCompletedAt()).isTrue();
        assertThat(t.getEntriesList()).hasSize(2);
        assertThat(t.getEntriesList()).filteredOn(e -> e.getWalletId().equals(from.getId())).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(LedgerEntry.Type.debit);
            assertThat(e.getAmount()).isEqualTo("30.00");
            assertThat(e.getBalance()).isEqualTo("70.00");
            assertThat(e.getTransactionId()).isEqualTo(t.getId());
        });
        assertThat(t.getEntriesList()).filteredOn(e -> e.getWalletId().equals(to.getId())).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(LedgerEntry.Type.credit);
            assertThat(e.getAmount()).isEqualTo("30.00");
            assertThat(e.getBalance()).isEqualTo("35.00");
            assertThat(e.getTransactionId()).isEqualTo(t.getId());
        });
        assertThat(balanceOf(from.getId())).isEqualTo("70.00");
        assertThat(balanceOf(to.getId())).isEqualTo("35.00");
    }

    @Test
    void transferOverRestReturnsTheTransferWithBothEntries() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "JPY");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "JPY");
        credit(partner.sandboxKey(), from.getId(), "1500");

        TestServer.Rest moved = payflow.rest("POST", "/api/v1/transfers", partner.sandboxKey(), json(Map.of("fromWalletId", from.getId(),
                "toWalletId", to.getId(), "amount", "1200", "currency", "JPY", "idempotencyKey", newIdempotencyKey())));

        assertThat(moved.status()).as("HTTP status of %s", moved.body()).isEqualTo(200);
        assertThat(moved.body().get("type").getAsString()).isEqualTo("transfer");
        assertThat(moved.body().get("status").getAsString()).isEqualTo("completed");
        assertThat(moved.body().get("amount").getAsString()).isEqualTo("1200");
        assertThat(moved.body().getAsJsonArray("entries")).hasSize(2);
        assertThat(balanceOf(from.getId())).isEqualTo("300");
        assertThat(balanceOf(to.getId())).isEqualTo("1200");
    }

    @Test
    void aTransferReadsTheSameUnderTransfersAndTransactionsOverBothDoors() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), from.getId(), "10.00");
        Transaction created = transfer(partner.sandboxKey(), from.getId(), to.getId(), "4.00", "USD");

        Transaction asTransfer = transfers(partner.sandboxKey()).getTransfer(GetTransferRequest.newBuilder().setId(created.getId()).build());
        Transaction asTransaction = payflow.ledger(partner.sandboxKey()).getTransaction(GetTransactionRequest.newBuilder().setId(created.getId()).build());
        TestServer.Rest restTransfer = payflow.rest("GET", "/api/v1/transfers/" + created.getId(), partner.sandboxKey(), null);
        TestServer.Rest restTransaction = payflow.rest("GET", "/api/v1/transactions/" + created.getId(), partner.sandboxKey(), null);

        assertThat(asTransfer).isEqualTo(created);
        assertThat(asTransaction).isEqualTo(created);
        assertThat(restTransfer.status()).isEqualTo(200);
        assertThat(restTransaction.status()).isEqualTo(200);
        assertThat(restTransfer.body()).isEqualTo(restTransaction.body());
        assertThat(restTransfer.body().get("id").getAsString()).isEqualTo(created.getId());
        assertThat(restTransfer.body().getAsJsonArray("entries")).hasSize(2);
    }

    @Test
    void getTransferWithTheIdOfACreditIsTransferNotFound() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Transaction credit = credit(partner.sandboxKey(), wallet.getId(), "1.00");

        assertGrpcError(() -> transfers(partner.sandboxKey()).getTransfer(GetTransferRequest.newBuilder().setId(credit.getId()).build()),
                Status.Code.NOT_FOUND, "TRANSFER_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/transfers/" + credit.getId(), partner.sandboxKey(), null), 404, "TRANSFER_NOT_FOUND");
        assertThat(payflow.rest("GET", "/api/v1/transactions/" + credit.getId(), partner.sandboxKey(), null).status()).isEqualTo(200);
    }

    @Test
    void getTransferWithAWalletIdIsInvalidIdAndWithAnUnknownIdIsTransferNotFound() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        assertRestError(payflow.rest("GET", "/api/v1/transfers/" + wallet.getId(), partner.sandboxKey(), null), 400, "INVALID_ID");
        assertGrpcError(() -> transfers(partner.sandboxKey()).getTransfer(GetTransferRequest.newBuilder().setId("txn_" + "0".repeat(26)).build()),
                Status.Code.NOT_FOUND, "TRANSFER_NOT_FOUND");
    }

    @Test
    void anotherPartnersTransferIsTransferNotFound() {
        Wallet from = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        credit(otherPartner.sandboxKey(), from.getId(), "3.00");
        Transaction theirs = transfer(otherPartner.sandboxKey(), from.getId(), to.getId(), "1.00", "USD");

        assertGrpcError(() -> transfers(partner.sandboxKey()).getTransfer(GetTransferRequest.newBuilder().setId(theirs.getId()).build()),
                Status.Code.NOT_FOUND, "TRANSFER_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/transactions/" + theirs.getId(), partner.sandboxKey(), null), 404, "TRANSACTION_NOT_FOUND");
    }

    @Test
    void transfersBackAndForthRepeatedlyLeaveTheSumsRight() {
        Wallet a = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet b = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), a.getId(), "100.00");
        credit(partner.sandboxKey(), b.getId(), "50.00");
        long aMinor = 10_000;
        long bMinor = 5_000;
        Random random = new Random(20240501L);
        int transfers = 30;

        for (int i = 0; i < transfers; i++) {
            boolean aToB = i % 2 == 0;
            long available = aToB ? aMinor : bMinor;
            long amount = 1 + random.nextInt((int) Math.min(available, 4_000));
            Transaction t = transfer(partner.sandboxKey(), aToB ? a.getId() : b.getId(), aToB ? b.getId() : a.getId(), cents(amount), "USD");
            aMinor += aToB ? -amount : amount;
            bMinor += aToB ? amount : -amount;
            assertThat(t.getEntriesList()).extracting(LedgerEntry::getWalletId, LedgerEntry::getBalance).containsExactlyInAnyOrder(
                    tuple(a.getId(), cents(aMinor)), tuple(b.getId(), cents(bMinor)));
        }

        assertThat(aMinor + bMinor).isEqualTo(15_000);
        assertThat(balanceOf(a.getId())).isEqualTo(cents(aMinor));
        assertThat(balanceOf(b.getId())).isEqualTo(cents(bMinor));
        assertThat(newestEntryBalance(a.getId())).isEqualTo(cents(aMinor));
        assertThat(newestEntryBalance(b.getId())).isEqualTo(cents(bMinor));
        assertThat(payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(a.getId())
                .setType(Transaction.Type.transfer).setPageSize(200).build()).getTransactionsList()).hasSize(transfers);
    }

    // --- Transfers that are refused, each for its own reason, moving nothing --------------------------

    @Test
    void theSameWalletOnBothSidesIsSameWallet() {
        Wallet wallet = fundedWallet("USD", "10.00");
        assertRefusedAndNothingMoved(request(wallet.getId(), wallet.getId(), "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "SAME_WALLET", wallet);
    }

    @Test
    void walletsOfDifferentCurrenciesAreCurrencyMismatch() {
        Wallet usd = fundedWallet("USD", "10.00");
        Wallet eur = fundedWallet("EUR", "10.00");
        assertRefusedAndNothingMoved(request(usd.getId(), eur.getId(), "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH", usd, eur);
        assertRefusedAndNothingMoved(request(usd.getId(), eur.getId(), "1.00", "EUR"), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH", usd, eur);
    }

    @Test
    void aRequestCurrencyOtherThanTheWalletsIsCurrencyMismatch() {
        Wallet from = fundedWallet("USD", "10.00");
        Wallet to = fundedWallet("USD", "1.00");
        assertRefusedAndNothingMoved(request(from.getId(), to.getId(), "1.00", "EUR"), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH",
                from, to);
    }

    @Test
    void aFrozenSourceIsWalletFrozen() {
        Wallet from = fundedWallet("USD", "10.00");
        Wallet to = fundedWallet("USD", "1.00");
        setStatus(from.getId(), Wallet.Status.frozen);
        assertRefusedAndNothingMoved(request(from.getId(), to.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN",
                from, to);
    }

    @Test
    void aFrozenTargetIsWalletFrozen() {
        Wallet from = fundedWallet("USD", "10.00");
        Wallet to = fundedWallet("USD", "1.00");
        setStatus(to.getId(), Wallet.Status.frozen);
        assertRefusedAndNothingMoved(request(from.getId(), to.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN",
                from, to);
    }

    @Test
    void aClosedTargetIsWalletClosed() {
        Wallet from = fundedWallet("USD", "10.00");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        setStatus(to.getId(), Wallet.Status.closed);
        assertRefusedAndNothingMoved(request(from.getId(), to.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED",
                from, to);
    }

    @Test
    void aClosedSourceIsWalletClosed() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        setStatus(from.getId(), Wallet.Status.closed);
        Wallet to = fundedWallet("USD", "1.00");
        assertRefusedAndNothingMoved(request(from.getId(), to.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED",
                from, to);
    }

    @Test
    void moreThanTheSourceHoldsIsInsufficientFunds() {
        Wallet from = fundedWallet("USD", "10.00");
        Wallet to = fundedWallet("USD", "1.00");
        assertRefusedAndNothingMoved(request(from.getId(), to.getId(), "10.01", "USD"), Status.Code.FAILED_PRECONDITION,
                "INSUFFICIENT_FUNDS", from, to);
    }

    @Test
    void anUnknownSourceOrTargetIsWalletNotFound() {
        Wallet wallet = fundedWallet("USD", "10.00");
        assertRefusedAndNothingMoved(request(UNKNOWN_WALLET_ID, wallet.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND", wallet);
        assertRefusedAndNothingMoved(request(wallet.getId(), UNKNOWN_WALLET_ID, "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND", wallet);
    }

    @Test
    void anotherPartnersWalletAsTargetIsWalletNotFound() {
        Wallet mine = fundedWallet("USD", "10.00");
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        credit(otherPartner.sandboxKey(), theirs.getId(), "7.00");

        assertRefusedAndNothingMoved(request(mine.getId(), theirs.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND", mine);
        assertRefusedAndNothingMoved(request(theirs.getId(), mine.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND", mine);

        assertThat(payflow.wallets(otherPartner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(theirs.getId()).build()).getBalance())
                .isEqualTo("7.00");
    }

    @Test
    void aLiveWalletWithASandboxKeyIsWalletNotFound() {
        Wallet sandbox = fundedWallet("USD", "10.00");
        Wallet production = payflow.newWallet(partner.productionKey(), "USD");

        assertRefusedAndNothingMoved(request(sandbox.getId(), production.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND", sandbox);
        assertThat(payflow.wallets(partner.productionKey()).getWallet(GetWalletRequest.newBuilder().setId(production.getId()).build()).getBalance())
                .isEqualTo("0.00");
    }

    @Test
    void aMissingSourceOrTargetIsMissingField() {
        Wallet wallet = fundedWallet("USD", "10.00");
        assertRefusedAndNothingMoved(request("", wallet.getId(), "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", wallet);
        assertRefusedAndNothingMoved(request(wallet.getId(), "", "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", wallet);
    }

    @Test
    void aTransactionIdInPlaceOfAWalletIdIsInvalidId() {
        Wallet wallet = fundedWallet("USD", "10.00");
        String transactionId = credit(partner.sandboxKey(), wallet.getId(), "1.00").getId();
        assertRefusedAndNothingMoved(request(transactionId, wallet.getId(), "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "INVALID_ID", wallet);
        assertRefusedAndNothingMoved(request(wallet.getId(), transactionId, "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "INVALID_ID", wallet);
    }

    // --- Error precedence -----------------------------------------------------------------------------

    /** A request with two or more problems, and the one reason it must report (transfer.proto's order). */
    record Row(String problems, Function<String, Call> call, Status.Code code, String reason) {
        @Override
        public String toString() {
            return problems + " -> " + reason;
        }
    }

    /** A request and, if any, the Idempotency-Key header sent with it. */
    record Call(CreateTransferRequest request, String headerKey) {
        static Call of(CreateTransferRequest request) {
            return new Call(request, "");
        }
    }

    static Stream<Arguments> precedence() {
        return Stream.of(
                row("a txn_ id as from-wallet and no amount", key -> Call.of(request(fixture.transactionId, fixture.rich.getId(), "", "USD", key)),
                        Status.Code.INVALID_ARGUMENT, "INVALID_ID"),
                row("a txn_ id as to-wallet and an amount that is not a number",
                        key -> Call.of(request(fixture.rich.getId(), fixture.transactionId, "abc", "USD", key)), Status.Code.INVALID_ARGUMENT, "INVALID_ID"),
                row("no currency and an amount that is not a number", key -> Call.of(request(fixture.rich.getId(), fixture.poor.getId(), "abc", "", key)),
                        Status.Code.INVALID_ARGUMENT, "MISSING_FIELD"),
                row("an unsupported currency and metadata with too many keys",
                        key -> Call.of(request(fixture.rich.getId(), fixture.poor.getId(), "1.00", "ZZZ", key).toBuilder().setMetadata(tooManyKeys()).build()),
                        Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY"),
                row("no from-wallet and a txn_ id as to-wallet", key -> Call.of(request("", fixture.transactionId, "1.00", "USD", key)),
                        Status.Code.INVALID_ARGUMENT, "MISSING_FIELD"),
                row("an unsupported currency and a bad amount", key -> Call.of(request(fixture.rich.getId(), fixture.poor.getId(), "1.001", "ZZZ", key)),
                        Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY"),
                row("a description over 500 characters and metadata with too many keys",
                        key -> Call.of(request(fixture.rich.getId(), fixture.poor.getId(), "1.00", "USD", key).toBuilder()
                                .setDescription("d".repeat(501)).setMetadata(tooManyKeys()).build()),
                        Status.Code.INVALID_ARGUMENT, "INVALID_FIELD"),
                row("a bad amount and the same wallet on both sides", key -> Call.of(request(fixture.rich.getId(), fixture.rich.getId(), "1.001", "USD", key)),
                        Status.Code.INVALID_ARGUMENT, "INVALID_AMOUNT"),
                row("metadata with too many keys and the same wallet on both sides",
                        key -> Call.of(request(fixture.rich.getId(), fixture.rich.getId(), "1.00", "USD", key).toBuilder().setMetadata(tooManyKeys()).build()),
                        Status.Code.INVALID_ARGUMENT, "METADATA_TOO_LARGE"),
                row("a description over 500 characters and the same wallet on both sides",
                        key -> Call.of(request(fixture.rich.getId(), fixture.rich.getId(), "1.00", "USD", key).toBuilder().setDescription("d".repeat(501)).build()),
                        Status.Code.INVALID_ARGUMENT, "INVALID_FIELD"),
                row("the same wallet on both sides and no idempotency key", key -> Call.of(request(fixture.rich.getId(), fixture.rich.getId(), "1.00", "USD", "")),
                        Status.Code.INVALID_ARGUMENT, "SAME_WALLET"),
                row("no idempotency key and an unknown wallet", key -> Call.of(request(fixture.rich.getId(), UNKNOWN_WALLET_ID, "1.00", "USD", "")),
                        Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_MISSING"),
                row("body and header keys that differ, the header's already used for another request",
                        key -> new Call(request(fixture.rich.getId(), fixture.poor.getId(), "1.00", "USD", key), fixture.usedKey),
                        Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_CONFLICT"),
                row("a key already used for another request and an unknown wallet",
                        key -> Call.of(request(fixture.rich.getId(), UNKNOWN_WALLET_ID, "1.00", "USD", fixture.usedKey)),
                        Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED"),
                row("an unknown from-wallet and a to-wallet in another currency", key -> Call.of(request(UNKNOWN_WALLET_ID, fixture.euro.getId(), "1.00", "USD", key)),
                        Status.Code.NOT_FOUND, "WALLET_NOT_FOUND"),
                row("a from-wallet in another currency and an unknown to-wallet", key -> Call.of(request(fixture.euro.getId(), UNKNOWN_WALLET_ID, "1.00", "USD", key)),
                        Status.Code.NOT_FOUND, "WALLET_NOT_FOUND"),
                row("an unknown to-wallet and insufficient funds", key -> Call.of(request(fixture.poor.getId(), UNKNOWN_WALLET_ID, "1.00", "USD", key)),
                        Status.Code.NOT_FOUND, "WALLET_NOT_FOUND"),
                row("an unknown to-wallet and a frozen from-wallet", key -> Call.of(request(fixture.frozen.getId(), UNKNOWN_WALLET_ID, "1.00", "USD", key)),
                        Status.Code.NOT_FOUND, "WALLET_NOT_FOUND"),
                row("a closed from-wallet and a to-wallet in another currency", key -> Call.of(request(fixture.closed.getId(), fixture.euro.getId(), "1.00", "USD", key)),
                        Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH"),
                row("a request currency other than the wallets' and a frozen from-wallet",
                        key -> Call.of(request(fixture.frozenEuro.getId(), fixture.euro.getId(), "1.00", "USD", key)),
                        Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH"),
                row("a request currency other than the wallets' and insufficient funds",
                        key -> Call.of(request(fixture.poor.getId(), fixture.rich.getId(), "1.00", "EUR", key)), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH"),
                row("a closed from-wallet and a frozen to-wallet", key -> Call.of(request(fixture.closed.getId(), fixture.frozen.getId(), "1.00", "USD", key)),
                        Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED"),
                row("a frozen from-wallet and a closed to-wallet", key -> Call.of(request(fixture.frozen.getId(), fixture.closed.getId(), "1.00", "USD", key)),
                        Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED"),
                row("a closed from-wallet without funds", key -> Call.of(request(fixture.closed.getId(), fixture.rich.getId(), "1.00", "USD", key)),
                        Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED"),
                row("a frozen from-wallet without funds", key -> Call.of(request(fixture.frozen.getId(), fixture.rich.getId(), "1.00", "USD", key)),
                        Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN"),
                row("a frozen to-wallet and a from-wallet without funds", key -> Call.of(request(fixture.poor.getId(), fixture.frozen.getId(), "1.00", "USD", key)),
                        Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precedence")
    void aRequestWithSeveralProblemsReportsTheFirstInTheDocumentedOrder(Row row) {
        List<Wallet> fixtureWallets = List.of(fixture.rich, fixture.poor, fixture.euro, fixture.frozen, fixture.closed, fixture.frozenEuro);
        Map<String, String> before = balances(fixtureWallets);

        Call overGrpc = row.call().apply(newIdempotencyKey());
        assertGrpcError(() -> send(overGrpc), row.code(), row.reason());
        Call overRest = row.call().apply(newIdempotencyKey());
        assertRestError(sendOverRest(overRest), httpStatus(row.code()), row.reason());

        assertThat(balances(fixtureWallets)).isEqualTo(before);
        assertThat(transactionCount(fixture.rich.getId())).as("transactions of the funded wallet").isEqualTo(1);
    }

    private static Arguments row(String problems, Function<String, Call> call, Status.Code code, String reason) {
        return Arguments.of(new Row(problems, call, code, reason));
    }

    /** Wallets in every state the precedence table needs. */
    private record Fixture(Wallet rich, Wallet poor, Wallet euro, Wallet frozen, Wallet closed, Wallet frozenEuro, String transactionId,
            String usedKey) {
        static Fixture create() {
            Wallet rich = payflow.newWallet(partner.sandboxKey(), "USD");
            String usedKey = newIdempotencyKey();
            String transactionId = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(rich.getId())
                    .setAmount("100.00").setCurrency("USD").setIdempotencyKey(usedKey).build()).getId();
            Wallet poor = payflow.newWallet(partner.sandboxKey(), "USD");
            Wallet euro = payflow.newWallet(partner.sandboxKey(), "EUR");
            credit(partner.sandboxKey(), euro.getId(), "5.00");
            Wallet frozen = payflow.newWallet(partner.sandboxKey(), "USD");
            setStatus(frozen.getId(), Wallet.Status.frozen);
            Wallet closed = payflow.newWallet(partner.sandboxKey(), "USD");
            setStatus(closed.getId(), Wallet.Status.closed);
            Wallet frozenEuro = payflow.newWallet(partner.sandboxKey(), "EUR");
            setStatus(frozenEuro.getId(), Wallet.Status.frozen);
            return new Fixture(rich, poor, euro, frozen, closed, frozenEuro, transactionId, usedKey);
        }
    }

    // --- Helpers ----------------------------------------------------------------------------------------

    /**
     * Sends the transfer over gRPC and over REST (each with its own fresh key), asserts both are
     * refused with the code and reason, and that no wallet's balance or transaction list changed.
     */
    private static void assertRefusedAndNothingMoved(CreateTransferRequest request, Status.Code code, String reason, Wallet... wallets) {
        List<Wallet> involved = List.of(wallets);
        Map<String, String> balancesBefore = balances(involved);
        Map<String, Integer> transactionsBefore = transactionCounts(involved);

        assertGrpcError(() -> send(Call.of(request.toBuilder().setIdempotencyKey(newIdempotencyKey()).build())), code, reason);
        assertRestError(sendOverRest(Call.of(request.toBuilder().setIdempotencyKey(newIdempotencyKey()).build())), httpStatus(code), reason);

        assertThat(balances(involved)).as("balances").isEqualTo(balancesBefore);
        assertThat(transactionCounts(involved)).as("transactions per wallet").isEqualTo(transactionsBefore);
    }

    private static Transaction send(Call call) {
        TransferServiceGrpc.TransferServiceBlockingStub stub = transfers(partner.sandboxKey());
        if (!call.headerKey().isEmpty()) {
            Metadata headers = new Metadata();
            headers.put(IDEMPOTENCY_KEY_HEADER, call.headerKey());
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return stub.createTransfer(call.request());
    }

    private static TestServer.Rest sendOverRest(Call call) {
        String body;
        try {
            body = JsonFormat.printer().print(call.request());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> headers = call.headerKey().isEmpty() ? Map.of() : Map.of("Idempotency-Key", call.headerKey());
        return payflow.rest("POST", "/api/v1/transfers", partner.sandboxKey(), body, headers);
    }

    private static int httpStatus(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> 400;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            default -> throw new IllegalArgumentException("no HTTP status for " + code + " in these tests");
        };
    }

    private static CreateTransferRequest request(String from, String to, String amount, String currency) {
        return request(from, to, amount, currency, newIdempotencyKey());
    }

    private static CreateTransferRequest request(String from, String to, String amount, String currency, String key) {
        return CreateTransferRequest.newBuilder().setFromWalletId(from).setToWalletId(to).setAmount(amount).setCurrency(currency)
                .setIdempotencyKey(key).build();
    }

    private static Struct tooManyKeys() {
        Struct.Builder metadata = Struct.newBuilder();
        for (int i = 0; i < 51; i++) {
            metadata.putFields("k" + i, Value.newBuilder().setStringValue("v").build());
        }
        return metadata.build();
    }

    private static TransferServiceGrpc.TransferServiceBlockingStub transfers(String apiKey) {
        return payflow.transfers(apiKey);
    }

    private static Wallet fundedWallet(String currency, String amount) {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), currency);
        credit(partner.sandboxKey(), wallet.getId(), amount);
        return wallet;
    }

    private static Transaction credit(String apiKey, String walletId, String amount) {
        String currency = payflow.wallets(apiKey).getWallet(GetWalletRequest.newBuilder().setId(walletId).build()).getCurrency();
        return payflow.wallets(apiKey).creditWallet(CreditWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount)
                .setCurrency(currency).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static Transaction transfer(String apiKey, String from, String to, String amount, String currency) {
        return transfers(apiKey).createTransfer(request(from, to, amount, currency));
    }

    private static void setStatus(String walletId, Wallet.Status status) {
        payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(walletId).setStatus(status).build());
    }

    private static String balanceOf(String walletId) {
        return payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(walletId).build()).getBalance();
    }

    private static Map<String, String> balances(List<Wallet> wallets) {
        return wallets.stream().collect(Collectors.toMap(Wallet::getId, w -> balanceOf(w.getId())));
    }

    private static int transactionCount(String walletId) {
        return payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(walletId)
                .setPageSize(200).build()).getTransactionsCount();
    }

    private static Map<String, Integer> transactionCounts(List<Wallet> wallets) {
        return wallets.stream().collect(Collectors.toMap(Wallet::getId, w -> transactionCount(w.getId())));
    }

    private static String newestEntryBalance(String walletId) {
        return payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder().setWalletId(walletId).setPageSize(1).build())
                .getLedgerEntries(0).getBalance();
    }

    private static String cents(long minor) {
        return minor / 100 + "." + String.format("%02d", minor % 100);
    }

    private static String json(Map<String, String> fields) {
        JsonObject object = new JsonObject();
        fields.forEach(object::addProperty);
        return object.toString();
    }
}
