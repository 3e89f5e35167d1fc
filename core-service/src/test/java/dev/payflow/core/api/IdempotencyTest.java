package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.payflow.core.testing.ApiErrors;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Idempotency keys of money movement (docs/ledger.md): replays, reuse, scope, and racing retries. */
class IdempotencyTest {
    private static final Metadata.Key<String> IDEMPOTENCY_KEY_HEADER = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    // --- Replays ------------------------------------------------------------------------------------

    @Test
    void theSameCreditTwiceOverRestWithTheSameKeyReturnsTheIdenticalTransactionAndMovesMoneyOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String body = body("amount", "25.00", "currency", "USD", "description", "Top-up", "idempotencyKey", newIdempotencyKey(),
                "metadata", JsonParser.parseString("{\"order\":\"o-1\"}"));

        TestServer.Rest first = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body);
        TestServer.Rest second = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body);

        assertThat(first.status()).as("HTTP status of %s", first.body()).isEqualTo(200);
        assertThat(second.status()).as("HTTP status of %s", second.body()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("25.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).hasSize(1);
    }

    @Test
    void theSameDebitTwiceOverGrpcWithTheSameKeyReturnsTheIdenticalTransactionAndMovesMoneyOnce() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), wallet.getId(), "10.00", newIdempotencyKey());
        DebitWalletRequest request = DebitWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("4.00").setCurrency("USD")
                .setIdempotencyKey(newIdempotencyKey()).build();

        Transaction first = payflow.wallets(partner.sandboxKey()).debitWallet(request);
        Transaction second = payflow.wallets(partner.sandboxKey()).debitWallet(request);

        assertThat(second).isEqualTo(first);
        assertThat(second.getEntries(0).getBalance()).isEqualTo("6.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("6.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).hasSize(2);
    }

    @Test
    void theSameTransferTwiceWithTheSameKeyReturnsTheIdenticalTransactionWithTheSameEntriesAndMovesMoneyOnce() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), from.getId(), "10.00", newIdempotencyKey());
        CreateTransferRequest request = CreateTransferRequest.newBuilder().setFromWalletId(from.getId()).setToWalletId(to.getId())
                .setAmount("3.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).build();

        Transaction first = payflow.transfers(partner.sandboxKey()).createTransfer(request);
        Transaction second = payflow.transfers(partner.sandboxKey()).createTransfer(request);
        TestServer.Rest third = payflow.rest("POST", "/api/v1/transfers", partner.sandboxKey(), body("fromWalletId", from.getId(),
                "toWalletId", to.getId(), "amount", "3.00", "currency", "USD", "idempotencyKey", request.getIdempotencyKey()));

        assertThat(second).isEqualTo(first);
        assertThat(third.status()).as("HTTP status of %s", third.body()).isEqualTo(200);
        assertThat(third.body().get("id").getAsString()).isEqualTo(first.getId());
        assertThat(payflow.balanceOf(partner.sandboxKey(), from.getId())).isEqualTo("7.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), to.getId())).isEqualTo("3.00");
    }

    @Test
    void aReplayAfterLaterMovementsStillShowsTheOriginalBalances() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        Transaction first = credit(partner.sandboxKey(), wallet.getId(), "5.00", key);
        credit(partner.sandboxKey(), wallet.getId(), "7.00", newIdempotencyKey());

        Transaction replay = credit(partner.sandboxKey(), wallet.getId(), "5.00", key);

        assertThat(replay).isEqualTo(first);
        assertThat(replay.getEntries(0).getBalance()).isEqualTo("5.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("12.00");
    }

    @Test
    void aReplayAfterTheWalletWasFrozenStillReturnsTheOriginalTransaction() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        Transaction original = credit(partner.sandboxKey(), wallet.getId(), "4.00", key);
        setStatus(wallet.getId(), Wallet.Status.frozen);

        Transaction replay = credit(partner.sandboxKey(), wallet.getId(), "4.00", key);

        assertThat(replay).isEqualTo(original);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("4.00");
    }

    @Test
    void aKeyOf255CharactersIsAcceptedAndOneOf256IsInvalidField() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        Transaction accepted = credit(partner.sandboxKey(), wallet.getId(), "1.00", "k".repeat(255));

        assertThat(accepted.getIdempotencyKey()).hasSize(255);
        assertGrpcError(() -> credit(partner.sandboxKey(), wallet.getId(), "1.00", "k".repeat(256)), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertRestError(payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body("amount", "1.00", "currency", "USD"),
                Map.of("Idempotency-Key", "h".repeat(256))), 400, "INVALID_FIELD");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("1.00");
    }

    // --- Where the key comes from ------------------------------------------------------------------------

    @Test
    void aKeyInTheIdempotencyKeyHeaderIsEquivalentToTheSameKeyInTheBodyOverRest() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();

        TestServer.Rest first = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body("amount", "8.00", "currency", "USD"),
                Map.of("Idempotency-Key", key));
        TestServer.Rest retry = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(),
                body("amount", "8.00", "currency", "USD", "idempotencyKey", key));
        TestServer.Rest both = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(),
                body("amount", "8.00", "currency", "USD", "idempotencyKey", key), Map.of("Idempotency-Key", key));

        assertThat(first.status()).as("HTTP status of %s", first.body()).isEqualTo(200);
        assertThat(first.body().get("idempotencyKey").getAsString()).isEqualTo(key);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(both.body()).isEqualTo(first.body());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("8.00");
    }

    @Test
    void aKeyInGrpcMetadataIsEquivalentToTheSameKeyInTheMessage() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        CreditWalletRequest withoutKey = CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("9.00").setCurrency("USD").build();

        Transaction first = withKeyHeader(payflow.wallets(partner.sandboxKey()), key).creditWallet(withoutKey);
        Transaction retry = payflow.wallets(partner.sandboxKey()).creditWallet(withoutKey.toBuilder().setIdempotencyKey(key).build());

        assertThat(first.getIdempotencyKey()).isEqualTo(key);
        assertThat(retry).isEqualTo(first);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("9.00");
    }

    @Test
    void aHeaderKeyAndABodyKeyThatDifferAreIdempotencyKeyConflictAndMoveNothing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), wallet.getId(), "10.00", newIdempotencyKey());

        assertRestError(payflow.rest("POST", creditPath(wallet), partner.sandboxKey(),
                body("amount", "1.00", "currency", "USD", "idempotencyKey", newIdempotencyKey()), Map.of("Idempotency-Key", newIdempotencyKey())),
                400, "IDEMPOTENCY_KEY_CONFLICT");
        assertGrpcError(() -> withKeyHeader(payflow.wallets(partner.sandboxKey()), newIdempotencyKey()).debitWallet(DebitWalletRequest.newBuilder()
                .setWalletId(wallet.getId()).setAmount("1.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).build()),
                Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_CONFLICT");
        assertGrpcError(() -> withKeyHeader(payflow.transfers(partner.sandboxKey()), newIdempotencyKey()).createTransfer(CreateTransferRequest.newBuilder()
                .setFromWalletId(wallet.getId()).setToWalletId(payflow.newWallet(partner.sandboxKey(), "USD").getId()).setAmount("1.00").setCurrency("USD")
                .setIdempotencyKey(newIdempotencyKey()).build()), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_CONFLICT");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).hasSize(1);
    }

    @Test
    void aMoneyMovingCallWithoutAKeyIsIdempotencyKeyMissing() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet other = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), wallet.getId(), "10.00", newIdempotencyKey());

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").build()), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_MISSING");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").build()), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_MISSING");
        assertGrpcError(() -> payflow.transfers(partner.sandboxKey()).createTransfer(CreateTransferRequest.newBuilder().setFromWalletId(wallet.getId())
                .setToWalletId(other.getId()).setAmount("1.00").setCurrency("USD").build()), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_MISSING");
        assertRestError(payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body("amount", "1.00", "currency", "USD")),
                400, "IDEMPOTENCY_KEY_MISSING");
        assertRestError(payflow.rest("POST", "/api/v1/transfers", partner.sandboxKey(), body("fromWalletId", wallet.getId(),
                "toWalletId", other.getId(), "amount", "1.00", "currency", "USD")), 400, "IDEMPOTENCY_KEY_MISSING");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), other.getId())).isEqualTo("0.00");
    }

    // --- Reuse with other parameters --------------------------------------------------------------------

    /** What a retry changes about the original credit of 20.00 USD, description "original", metadata {"n":1}. */
    record Change(String what, BiConsumer<Fixture, String> retry) {
        @Override
        public String toString() {
            return what;
        }
    }

    /** The wallet credited by the original request, and a second wallet of the partner's. */
    record Fixture(Wallet wallet, Wallet otherWallet) {
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of(new Change("another amount", (f, key) -> credit(f.wallet(), "20.01", "original", oneKey(1), key))),
                Arguments.of(new Change("another wallet", (f, key) -> credit(f.otherWallet(), "20.00", "original", oneKey(1), key))),
                Arguments.of(new Change("another description", (f, key) -> credit(f.wallet(), "20.00", "changed", oneKey(1), key))),
                Arguments.of(new Change("no description", (f, key) -> credit(f.wallet(), "20.00", "", oneKey(1), key))),
                Arguments.of(new Change("other metadata", (f, key) -> credit(f.wallet(), "20.00", "original", oneKey(2), key))),
                Arguments.of(new Change("no metadata", (f, key) -> credit(f.wallet(), "20.00", "original", Struct.getDefaultInstance(), key))),
                Arguments.of(new Change("another currency", (f, key) -> payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest
                        .newBuilder().setWalletId(f.wallet().getId()).setAmount("20.00").setCurrency("EUR").setDescription("original")
                        .setMetadata(oneKey(1)).setIdempotencyKey(key).build()))),
                Arguments.of(new Change("another method: a debit", (f, key) -> payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest
                        .newBuilder().setWalletId(f.wallet().getId()).setAmount("20.00").setCurrency("USD").setDescription("original")
                        .setMetadata(oneKey(1)).setIdempotencyKey(key).build()))),
                Arguments.of(new Change("another method: a transfer", (f, key) -> payflow.transfers(partner.sandboxKey()).createTransfer(
                        CreateTransferRequest.newBuilder().setFromWalletId(f.wallet().getId()).setToWalletId(f.otherWallet().getId())
                                .setAmount("20.00").setCurrency("USD").setDescription("original").setMetadata(oneKey(1)).setIdempotencyKey(key)
                                .build()))));
    }

    @ParameterizedTest(name = "a retry with {0} is IDEMPOTENCY_KEY_REUSED")
    @MethodSource("changes")
    void reusingAKeyWithOtherParametersIsIdempotencyKeyReusedAndLeavesTheOriginalUntouched(Change change) {
        Fixture fixture = new Fixture(payflow.newWallet(partner.sandboxKey(), "USD"), payflow.newWallet(partner.sandboxKey(), "USD"));
        String key = newIdempotencyKey();
        Transaction original = credit(fixture.wallet(), "20.00", "original", oneKey(1), key);

        assertGrpcError(() -> change.retry().accept(fixture, key), Status.Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");

        assertThat(payflow.ledger(partner.sandboxKey()).getTransaction(GetTransactionRequest.newBuilder().setId(original.getId()).build()))
                .isEqualTo(original);
        assertThat(payflow.balanceOf(partner.sandboxKey(), fixture.wallet().getId())).isEqualTo("20.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), fixture.otherWallet().getId())).isEqualTo("0.00");
        assertThat(transactionsOf(partner.sandboxKey(), fixture.wallet().getId())).hasSize(1);
        assertThat(credit(fixture.wallet(), "20.00", "original", oneKey(1), key)).as("the original request still replays").isEqualTo(original);
    }

    @Test
    void reusingACreditsKeyForADebitOverRestIsIdempotencyKeyReused() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        TestServer.Rest credited = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(),
                body("amount", "5.00", "currency", "USD", "idempotencyKey", key));

        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/debit", partner.sandboxKey(),
                body("amount", "5.00", "currency", "USD", "idempotencyKey", key)), 400, "IDEMPOTENCY_KEY_REUSED");

        assertThat(credited.status()).isEqualTo(200);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("5.00");
    }

    @Test
    void metadataKeyOrderDoesNotChangeTheFingerprint() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();

        TestServer.Rest first = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body("amount", "3.00", "currency", "USD",
                "idempotencyKey", key, "metadata", JsonParser.parseString("{\"a\":1,\"b\":2,\"nested\":{\"x\":\"1\",\"y\":\"2\"}}")));
        TestServer.Rest reordered = payflow.rest("POST", creditPath(wallet), partner.sandboxKey(), body("amount", "3.00", "currency", "USD",
                "idempotencyKey", key, "metadata", JsonParser.parseString("{\"nested\":{\"y\":\"2\",\"x\":\"1\"},\"b\":2,\"a\":1}")));

        assertThat(first.status()).as("HTTP status of %s", first.body()).isEqualTo(200);
        assertThat(reordered.status()).as("HTTP status of %s", reordered.body()).isEqualTo(200);
        assertThat(reordered.body()).isEqualTo(first.body());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("3.00");
    }

    // --- Which failures consume the key ---------------------------------------------------------------

    @Test
    void aDebitRefusedForInsufficientFundsConsumesItsKeyAndItsRetryAfterFundingIsTheSameError() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        DebitWalletRequest debit = DebitWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("10.00").setCurrency("USD")
                .setIdempotencyKey(key).build();
        com.google.rpc.Status refused = assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(debit),
                Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        credit(partner.sandboxKey(), wallet.getId(), "50.00", newIdempotencyKey());

        com.google.rpc.Status replayed = assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(debit),
                Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        TestServer.Rest overRest = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/debit", partner.sandboxKey(),
                body("amount", "10.00", "currency", "USD", "idempotencyKey", key));

        assertThat(replayed.getMessage()).isEqualTo(refused.getMessage());
        assertRestError(overRest, 400, "INSUFFICIENT_FUNDS");
        assertThat(overRest.body().get("message").getAsString()).isEqualTo(refused.getMessage());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("50.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).extracting(Transaction::getType).containsExactly(Transaction.Type.credit);
    }

    @Test
    void aCreditRefusedBecauseTheWalletWasFrozenConsumesItsKeyAndItsRetryAfterUnfreezingIsTheSameError() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        setStatus(wallet.getId(), Wallet.Status.frozen);
        String key = newIdempotencyKey();
        com.google.rpc.Status refused = assertGrpcError(() -> credit(partner.sandboxKey(), wallet.getId(), "10.00", key),
                Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
        setStatus(wallet.getId(), Wallet.Status.active);

        com.google.rpc.Status replayed = assertGrpcError(() -> credit(partner.sandboxKey(), wallet.getId(), "10.00", key),
                Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");

        assertThat(replayed.getMessage()).isEqualTo(refused.getMessage());
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).isEmpty();
        assertThat(credit(partner.sandboxKey(), wallet.getId(), "10.00", newIdempotencyKey()).getStatus()).as("a new key works")
                .isEqualTo(Transaction.Status.completed);
    }

    @Test
    void aTransferRefusedForInsufficientFundsConsumesItsKey() {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        CreateTransferRequest request = CreateTransferRequest.newBuilder().setFromWalletId(from.getId()).setToWalletId(to.getId())
                .setAmount("2.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).build();
        assertGrpcError(() -> payflow.transfers(partner.sandboxKey()).createTransfer(request), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        credit(partner.sandboxKey(), from.getId(), "5.00", newIdempotencyKey());

        assertGrpcError(() -> payflow.transfers(partner.sandboxKey()).createTransfer(request), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");

        assertThat(payflow.balanceOf(partner.sandboxKey(), from.getId())).isEqualTo("5.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), to.getId())).isEqualTo("0.00");
    }

    @Test
    void aRequestRejectedByValidationDoesNotConsumeItsKeySoTheCorrectedRequestSucceeds() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        assertGrpcError(() -> credit(partner.sandboxKey(), wallet.getId(), "10.001", key), Status.Code.INVALID_ARGUMENT, "INVALID_AMOUNT");
        assertRestError(payflow.rest("POST", creditPath(wallet), partner.sandboxKey(),
                body("amount", "abc", "currency", "USD", "idempotencyKey", key)), 400, "INVALID_AMOUNT");
        assertGrpcError(() -> credit(partner.sandboxKey(), wallet.getId(), "10.00", "ZZZ", key), Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY");

        Transaction corrected = credit(partner.sandboxKey(), wallet.getId(), "10.00", key);

        assertThat(corrected.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(corrected.getIdempotencyKey()).isEqualTo(key);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
    }

    // --- Scope --------------------------------------------------------------------------------------

    @Test
    void theSameKeyUsedByTwoPartnersGivesTwoIndependentTransactions() {
        Wallet mine = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        String key = newIdempotencyKey();

        Transaction myCredit = credit(partner.sandboxKey(), mine.getId(), "11.00", key);
        Transaction theirCredit = credit(otherPartner.sandboxKey(), theirs.getId(), "22.00", key);

        assertThat(theirCredit.getId()).isNotEqualTo(myCredit.getId());
        assertThat(theirCredit.getAmount()).isEqualTo("22.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), mine.getId())).isEqualTo("11.00");
        assertThat(payflow.balanceOf(otherPartner.sandboxKey(), theirs.getId())).isEqualTo("22.00");
    }

    @Test
    void theSameKeyInSandboxAndLiveGivesTwoIndependentResults() {
        Wallet sandbox = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet production = payflow.newWallet(partner.productionKey(), "USD");
        String usedInSandboxFirst = newIdempotencyKey();
        String usedInLiveFirst = newIdempotencyKey();

        Transaction sandboxCredit = credit(partner.sandboxKey(), sandbox.getId(), "6.00", usedInSandboxFirst);
        assertGrpcError(() -> debit(partner.productionKey(), production.getId(), "1.00", usedInSandboxFirst), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> debit(partner.productionKey(), production.getId(), "1.00", usedInLiveFirst), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        Transaction sandboxDebit = debit(partner.sandboxKey(), sandbox.getId(), "1.00", usedInLiveFirst);

        assertThat(sandboxCredit.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(sandboxDebit.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(payflow.balanceOf(partner.sandboxKey(), sandbox.getId())).isEqualTo("5.00");
        assertThat(payflow.balanceOf(partner.productionKey(), production.getId())).isEqualTo("0.00");
    }

    // --- Racing retries -------------------------------------------------------------------------------

    @Test
    void eightIdenticalCreditsRacingWithOneKeyCreateExactlyOneTransaction() throws Exception {
        for (int round = 0; round < 5; round++) {
            Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
            CreditWalletRequest request = CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("15.00").setCurrency("USD")
                    .setDescription("race").setIdempotencyKey(newIdempotencyKey()).build();

            List<Object> replies = race(8, () -> payflow.wallets(partner.sandboxKey()).creditWallet(request));

            List<Transaction> transactions = transactionsOf(partner.sandboxKey(), wallet.getId());
            assertThat(transactions).as("round %d: transactions of the wallet", round).hasSize(1);
            assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).as("round %d: balance", round).isEqualTo("15.00");
            for (Object reply : replies) {
                if (reply instanceof Transaction t) {
                    assertThat(t).as("round %d: a successful reply", round).isEqualTo(transactions.get(0));
                } else {
                    assertThat(reply).as("round %d: a refused reply", round).isEqualTo("ABORTED IDEMPOTENCY_KEY_IN_USE");
                }
            }
        }
    }

    @Test
    void eightIdenticalTransfersRacingWithOneKeyMoveMoneyOnce() throws Exception {
        Wallet from = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet to = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), from.getId(), "100.00", newIdempotencyKey());
        CreateTransferRequest request = CreateTransferRequest.newBuilder().setFromWalletId(from.getId()).setToWalletId(to.getId())
                .setAmount("10.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).build();

        List<Object> replies = race(8, () -> payflow.transfers(partner.sandboxKey()).createTransfer(request));

        assertThat(payflow.balanceOf(partner.sandboxKey(), from.getId())).isEqualTo("90.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), to.getId())).isEqualTo("10.00");
        List<Transaction> received = transactionsOf(partner.sandboxKey(), to.getId());
        assertThat(received).hasSize(1);
        assertThat(replies).allSatisfy(reply -> assertThat(reply).isIn(received.get(0), "ABORTED IDEMPOTENCY_KEY_IN_USE"));
    }

    /** Starts the call on {@code threads} threads at the same moment; each reply is the result or "CODE REASON". */
    private static List<Object> race(int threads, java.util.concurrent.Callable<Object> call) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    try {
                        return call.call();
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode() + " " + ApiErrors.errorInfo(StatusProto.fromThrowable(e)).getReason();
                    }
                }));
            }
            List<Object> replies = new ArrayList<>();
            for (Future<Object> future : futures) {
                replies.add(future.get(60, TimeUnit.SECONDS));
            }
            return replies;
        } finally {
            pool.shutdownNow();
        }
    }

    // --- Helpers --------------------------------------------------------------------------------------

    private static <S extends AbstractStub<S>> S withKeyHeader(S stub, String key) {
        Metadata headers = new Metadata();
        headers.put(IDEMPOTENCY_KEY_HEADER, key);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String creditPath(Wallet wallet) {
        return "/api/v1/wallets/" + wallet.getId() + "/credit";
    }

    private static Struct oneKey(int n) {
        return Struct.newBuilder().putFields("n", Value.newBuilder().setNumberValue(n).build()).build();
    }

    private static Transaction credit(Wallet wallet, String amount, String description, Struct metadata, String key) {
        return payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount)
                .setCurrency("USD").setDescription(description).setMetadata(metadata).setIdempotencyKey(key).build());
    }

    private static Transaction credit(String apiKey, String walletId, String amount, String key) {
        return credit(apiKey, walletId, amount, "USD", key);
    }

    private static Transaction credit(String apiKey, String walletId, String amount, String currency, String key) {
        return payflow.wallets(apiKey).creditWallet(CreditWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount)
                .setCurrency(currency).setIdempotencyKey(key).build());
    }

    private static Transaction debit(String apiKey, String walletId, String amount, String key) {
        return payflow.wallets(apiKey).debitWallet(DebitWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount)
                .setCurrency("USD").setIdempotencyKey(key).build());
    }

    private static void setStatus(String walletId, Wallet.Status status) {
        payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(walletId).setStatus(status).build());
    }

    private static List<Transaction> transactionsOf(String apiKey, String walletId) {
        return payflow.ledger(apiKey).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(walletId)
                .setPageSize(200).build()).getTransactionsList();
    }

    /** A JSON object from name/value pairs; values are strings or JSON elements. */
    private static String body(Object... namesAndValues) {
        JsonObject object = new JsonObject();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Object value = namesAndValues[i + 1];
            if (value instanceof JsonElement element) {
                object.add((String) namesAndValues[i], element);
            } else {
                object.addProperty((String) namesAndValues[i], (String) value);
            }
        }
        return object.toString();
    }
}
