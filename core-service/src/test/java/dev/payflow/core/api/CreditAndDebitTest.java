package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.payflow.core.testing.ApiErrors;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletBalance;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** CreditWallet and DebitWallet over both doors: what a movement returns, what it refuses, and why. */
class CreditAndDebitTest {
    /** A well-formed wallet id that no wallet has. */
    private static final String UNKNOWN_WALLET_ID = "wal_" + "0".repeat(26);

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    /** Wallets for the precedence table, made on first use; no row moves money, so they keep their state. */
    private static Fixture fixture;

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

    // --- What a successful movement returns ---------------------------------------------------

    @Test
    void sandboxCreditOverRestReturnsACompletedCreditSettledByTheSimulatedGatewayWithTheWalletsNewBalance() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String key = newIdempotencyKey();
        JsonObject metadata = JsonParser.parseString("{\"orderId\":\"o-17\",\"attempt\":2}").getAsJsonObject();

        TestServer.Rest credited = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                body("amount", "50.00", "currency", "USD", "description", "Top-up by card", "idempotencyKey", key, "metadata", metadata));

        assertThat(credited.status()).as("HTTP status of %s", credited.body()).isEqualTo(200);
        JsonObject t = credited.body();
        assertThat(t.get("id").getAsString()).startsWith("txn_");
        assertThat(t.get("type").getAsString()).isEqualTo("credit");
        assertThat(t.get("status").getAsString()).isEqualTo("completed");
        assertThat(t.get("gateway").getAsString()).isEqualTo("simulated");
        assertThat(t.get("gatewayTransactionId").getAsString()).isNotBlank();
        assertThat(t.get("toWalletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(t.get("fromWalletId").getAsString()).isEmpty();
        assertThat(t.get("amount").getAsString()).isEqualTo("50.00");
        assertThat(t.get("currency").getAsString()).isEqualTo("USD");
        assertThat(t.get("description").getAsString()).isEqualTo("Top-up by card");
        assertThat(t.get("metadata").getAsJsonObject()).isEqualTo(metadata);
        assertThat(t.get("idempotencyKey").getAsString()).isEqualTo(key);
        assertThat(t.get("livemode").getAsBoolean()).isFalse();
        assertThat(t.get("failureReason").getAsString()).isEmpty();
        assertThat(t.has("createdAt")).as("createdAt in %s", t).isTrue();
        assertThat(t.has("completedAt")).as("completedAt in %s", t).isTrue();
        JsonArray entries = t.getAsJsonArray("entries");
        assertThat(entries).as("entries on partner wallets").hasSize(1);
        JsonObject entry = entries.get(0).getAsJsonObject();
        assertThat(entry.get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(entry.get("transactionId").getAsString()).isEqualTo(t.get("id").getAsString());
        assertThat(entry.get("type").getAsString()).isEqualTo("credit");
        assertThat(entry.get("amount").getAsString()).isEqualTo("50.00");
        assertThat(entry.get("currency").getAsString()).isEqualTo("USD");
        assertThat(entry.get("balance").getAsString()).isEqualTo("50.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("50.00");
    }

    @Test
    void sandboxCreditOverGrpcReturnsACompletedCreditWithOneEntryShowingTheRunningBalance() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "10.00", "USD");
        String key = newIdempotencyKey();
        Struct metadata = Struct.newBuilder().putFields("orderId", Value.newBuilder().setStringValue("o-18").build()).build();

        Transaction t = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("2.50").setCurrency("USD").setDescription("Second top-up").setIdempotencyKey(key).setMetadata(metadata).build());

        assertThat(t.getType()).isEqualTo(Transaction.Type.credit);
        assertThat(t.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(t.getGateway()).isEqualTo("simulated");
        assertThat(t.getGatewayTransactionId()).isNotBlank();
        assertThat(t.getToWalletId()).isEqualTo(wallet.getId());
        assertThat(t.getAmount()).isEqualTo("2.50");
        assertThat(t.getCurrency()).isEqualTo("USD");
        assertThat(t.getDescription()).isEqualTo("Second top-up");
        assertThat(t.getMetadata()).isEqualTo(metadata);
        assertThat(t.getIdempotencyKey()).isEqualTo(key);
        assertThat(t.getLivemode()).isFalse();
        assertThat(t.hasCreatedAt()).isTrue();
        assertThat(t.hasCompletedAt()).isTrue();
        assertThat(t.getEntriesList()).singleElement().satisfies(entry -> {
            assertThat(entry.getWalletId()).isEqualTo(wallet.getId());
            assertThat(entry.getType()).isEqualTo(LedgerEntry.Type.credit);
            assertThat(entry.getAmount()).isEqualTo("2.50");
            assertThat(entry.getBalance()).isEqualTo("12.50");
        });
    }

    @Test
    void walletBalanceAndBalanceEndpointAgreeAfterCreditsAndDebits() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "100.00", "USD");
        payflow.debit(partner.sandboxKey(), wallet.getId(), "30.25", "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "0.50", "USD");

        WalletBalance balance = payflow.wallets(partner.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId()).build());
        TestServer.Rest restBalance = payflow.rest("GET", "/api/v1/wallets/" + wallet.getId() + "/balance", partner.sandboxKey(), null);

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("70.25");
        assertThat(balance.getBalance()).isEqualTo("70.25");
        assertThat(balance.getAvailableBalance()).isEqualTo("70.25");
        assertThat(balance.getCurrency()).isEqualTo("USD");
        assertThat(restBalance.status()).isEqualTo(200);
        assertThat(restBalance.body().get("balance").getAsString()).isEqualTo("70.25");
        assertThat(restBalance.body().get("walletId").getAsString()).isEqualTo(wallet.getId());
    }

    @Test
    void debitOverRestMovesMoneyOutAndItsEntryIsADebitWithTheBalanceAfterIt() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "40.00", "USD");

        TestServer.Rest debited = payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/debit", partner.sandboxKey(),
                body("amount", "15.50", "currency", "USD", "description", "Subscription", "idempotencyKey", newIdempotencyKey()));

        assertThat(debited.status()).as("HTTP status of %s", debited.body()).isEqualTo(200);
        JsonObject t = debited.body();
        assertThat(t.get("type").getAsString()).isEqualTo("debit");
        assertThat(t.get("status").getAsString()).isEqualTo("completed");
        assertThat(t.get("fromWalletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(t.get("toWalletId").getAsString()).isEmpty();
        assertThat(t.get("amount").getAsString()).isEqualTo("15.50");
        JsonArray entries = t.getAsJsonArray("entries");
        assertThat(entries).hasSize(1);
        JsonObject entry = entries.get(0).getAsJsonObject();
        assertThat(entry.get("walletId").getAsString()).isEqualTo(wallet.getId());
        assertThat(entry.get("type").getAsString()).isEqualTo("debit");
        assertThat(entry.get("amount").getAsString()).isEqualTo("15.50");
        assertThat(entry.get("balance").getAsString()).isEqualTo("24.50");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("24.50");
    }

    @Test
    void debitOverGrpcOfTheWholeBalanceLeavesZero() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "12.34", "USD");

        Transaction t = payflow.debit(partner.sandboxKey(), wallet.getId(), "12.34", "USD");

        assertThat(t.getType()).isEqualTo(Transaction.Type.debit);
        assertThat(t.getFromWalletId()).isEqualTo(wallet.getId());
        assertThat(t.getEntriesList()).singleElement().satisfies(entry -> {
            assertThat(entry.getType()).isEqualTo(LedgerEntry.Type.debit);
            assertThat(entry.getAmount()).isEqualTo("12.34");
            assertThat(entry.getBalance()).isEqualTo("0.00");
        });
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    // --- Business rules -------------------------------------------------------------------------

    @Test
    void debitOverTheBalanceIsInsufficientFundsAndLeavesTheBalanceUnchanged() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "10.00", "USD");

        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), "10.01", "USD"), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertRestError(restMove("debit", partner.sandboxKey(), wallet.getId(), "10.01", "USD"), 400, "INSUFFICIENT_FUNDS");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).hasSize(1);
    }

    @Test
    void moneyMovesNeitherInNorOutOfAFrozenWallet() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "20.00", "USD");
        setStatus(partner.sandboxKey(), wallet.getId(), Wallet.Status.frozen);

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
        assertRestError(restMove("credit", partner.sandboxKey(), wallet.getId(), "1.00", "USD"), 400, "WALLET_FROZEN");
        assertRestError(restMove("debit", partner.sandboxKey(), wallet.getId(), "1.00", "USD"), 400, "WALLET_FROZEN");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("20.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).hasSize(1);
    }

    @Test
    void moneyMovesNeitherInNorOutOfAClosedWallet() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        setStatus(partner.sandboxKey(), wallet.getId(), Wallet.Status.closed);

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "WALLET_CLOSED");
        assertRestError(restMove("credit", partner.sandboxKey(), wallet.getId(), "1.00", "USD"), 400, "WALLET_CLOSED");
        assertRestError(restMove("debit", partner.sandboxKey(), wallet.getId(), "1.00", "USD"), 400, "WALLET_CLOSED");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).isEmpty();
    }

    @Test
    void aRequestCurrencyOtherThanTheWalletsIsCurrencyMismatch() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "5.00", "USD");

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", "EUR"), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), "1.00", "EUR"), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH");
        assertRestError(restMove("credit", partner.sandboxKey(), wallet.getId(), "1.00", "EUR"), 400, "CURRENCY_MISMATCH");
        assertRestError(restMove("debit", partner.sandboxKey(), wallet.getId(), "1.00", "EUR"), 400, "CURRENCY_MISMATCH");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("5.00");
    }

    @Test
    void aWalletThatDoesNotExistIsWalletNotFound() {
        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), UNKNOWN_WALLET_ID, "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), UNKNOWN_WALLET_ID, "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertRestError(restMove("credit", partner.sandboxKey(), UNKNOWN_WALLET_ID, "1.00", "USD"), 404, "WALLET_NOT_FOUND");
        assertRestError(restMove("debit", partner.sandboxKey(), UNKNOWN_WALLET_ID, "1.00", "USD"), 404, "WALLET_NOT_FOUND");
    }

    @Test
    void anotherPartnersWalletIsWalletNotFoundAndKeepsItsMoney() {
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        payflow.credit(otherPartner.sandboxKey(), theirs.getId(), "30.00", "USD");

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), theirs.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), theirs.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertRestError(restMove("credit", partner.sandboxKey(), theirs.getId(), "1.00", "USD"), 404, "WALLET_NOT_FOUND");
        assertRestError(restMove("debit", partner.sandboxKey(), theirs.getId(), "1.00", "USD"), 404, "WALLET_NOT_FOUND");

        assertThat(payflow.balanceOf(otherPartner.sandboxKey(), theirs.getId())).isEqualTo("30.00");
        assertThat(transactionsOf(otherPartner.sandboxKey(), theirs.getId())).hasSize(1);
    }

    @Test
    void aSandboxWalletIsWalletNotFoundToALiveKey() {
        Wallet sandbox = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), sandbox.getId(), "30.00", "USD");

        assertGrpcError(() -> payflow.debit(partner.productionKey(), sandbox.getId(), "1.00", "USD"), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertRestError(restMove("debit", partner.productionKey(), sandbox.getId(), "1.00", "USD"), 404, "WALLET_NOT_FOUND");

        assertThat(payflow.balanceOf(partner.sandboxKey(), sandbox.getId())).isEqualTo("30.00");
    }

    // --- Production ------------------------------------------------------------------------------------

    @Test
    void aLiveCreditWithoutPaymentMethodIsPaymentMethodRequiredRecordsNothingAndDoesNotConsumeItsKey() {
        Wallet production = payflow.newWallet(partner.productionKey(), "USD");
        assertThat(production.getLivemode()).isTrue();
        String key = newIdempotencyKey();
        CreditWalletRequest request = CreditWalletRequest.newBuilder().setWalletId(production.getId()).setAmount("25.00").setCurrency("USD")
                .setIdempotencyKey(key).build();

        assertGrpcError(() -> payflow.wallets(partner.productionKey()).creditWallet(request), Status.Code.INVALID_ARGUMENT, "PAYMENT_METHOD_REQUIRED");
        assertGrpcError(() -> payflow.wallets(partner.productionKey()).creditWallet(request), Status.Code.INVALID_ARGUMENT, "PAYMENT_METHOD_REQUIRED");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + production.getId() + "/credit", partner.productionKey(),
                body("amount", "25.00", "currency", "USD", "idempotencyKey", key)), 400, "PAYMENT_METHOD_REQUIRED");

        assertThat(payflow.balanceOf(partner.productionKey(), production.getId())).isEqualTo("0.00");
        assertThat(transactionsOf(partner.productionKey(), production.getId())).isEmpty();
        // Had the credit recorded the key, another request with it would be IDEMPOTENCY_KEY_REUSED.
        assertGrpcError(() -> payflow.wallets(partner.productionKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(production.getId())
                .setAmount("1.00").setCurrency("USD").setIdempotencyKey(key).build()), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
    }

    @Test
    void aLiveDebitOfAnEmptyLiveWalletIsInsufficientFunds() {
        Wallet production = payflow.newWallet(partner.productionKey(), "USD");

        assertGrpcError(() -> payflow.debit(partner.productionKey(), production.getId(), "1.00", "USD"), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertRestError(restMove("debit", partner.productionKey(), production.getId(), "1.00", "USD"), 400, "INSUFFICIENT_FUNDS");

        assertThat(payflow.balanceOf(partner.productionKey(), production.getId())).isEqualTo("0.00");
    }

    // --- Amounts ----------------------------------------------------------------------------------

    static Stream<Arguments> acceptedAmounts() {
        return Stream.of(
                Arguments.of("50.00", "USD", "50.00"),
                Arguments.of("50", "USD", "50.00"),
                Arguments.of("50.5", "USD", "50.50"),
                Arguments.of("0.01", "USD", "0.01"),
                Arguments.of("1000000000000.00", "USD", "1000000000000.00"),
                Arguments.of("1.250", "KWD", "1.250"),
                Arguments.of("1500", "JPY", "1500"));
    }

    @ParameterizedTest(name = "\"{0}\" {1} is credited as \"{2}\"")
    @MethodSource("acceptedAmounts")
    void anAcceptedAmountIsCreditedAndShownWithTheCurrencysDecimals(String amount, String currency, String shown) {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), currency);

        TestServer.Rest credited = restMove("credit", partner.sandboxKey(), wallet.getId(), amount, currency);

        assertThat(credited.status()).as("HTTP status of %s", credited.body()).isEqualTo(200);
        assertThat(credited.body().get("amount").getAsString()).isEqualTo(shown);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo(shown);
        Transaction overGrpc = payflow.credit(partner.sandboxKey(), wallet.getId(), amount, currency);
        assertThat(overGrpc.getAmount()).isEqualTo(shown);
    }

    static Stream<Arguments> rejectedAmounts() {
        return Stream.of(
                Arguments.of("50.001", "USD"),
                Arguments.of("1.5", "JPY"),
                Arguments.of("1.2505", "KWD"),
                Arguments.of("0", "USD"),
                Arguments.of("0.00", "USD"),
                Arguments.of("-5", "USD"),
                Arguments.of("+5", "USD"),
                Arguments.of("1e3", "USD"),
                Arguments.of("abc", "USD"),
                Arguments.of(" 5", "USD"),
                Arguments.of("5 ", "USD"),
                Arguments.of("5,00", "USD"),
                Arguments.of("50.", "USD"),
                Arguments.of(".5", "USD"),
                Arguments.of("99999999999999999999", "USD"),
                Arguments.of("1000000000000.01", "USD"));
    }

    @ParameterizedTest(name = "\"{0}\" {1} is INVALID_AMOUNT")
    @MethodSource("rejectedAmounts")
    void aRejectedAmountIsInvalidAmountOverBothDoorsAndMovesNothing(String amount, String currency) {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), currency);
        payflow.credit(partner.sandboxKey(), wallet.getId(), "100", currency);
        String before = payflow.balanceOf(partner.sandboxKey(), wallet.getId());

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), amount, currency), Status.Code.INVALID_ARGUMENT, "INVALID_AMOUNT");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), amount, currency), Status.Code.INVALID_ARGUMENT, "INVALID_AMOUNT");
        assertRestError(restMove("credit", partner.sandboxKey(), wallet.getId(), amount, currency), 400, "INVALID_AMOUNT");
        assertRestError(restMove("debit", partner.sandboxKey(), wallet.getId(), amount, currency), 400, "INVALID_AMOUNT");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo(before);
        assertThat(transactionsOf(partner.sandboxKey(), wallet.getId())).hasSize(1);
    }

    @Test
    void anAmountSentAsAJsonNumberIsMalformedRequest() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                "{\"amount\": 50.00, \"currency\": \"USD\", \"idempotencyKey\": \"" + newIdempotencyKey() + "\"}"), 400, "MALFORMED_REQUEST");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aMissingAmountOrCurrencyIsMissingField() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), "", "USD"), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", ""), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), "", "USD"), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                body("currency", "USD", "idempotencyKey", newIdempotencyKey())), 400, "MISSING_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                body("amount", "1.00", "idempotencyKey", newIdempotencyKey())), 400, "MISSING_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                body("amout", "1.00", "currency", "USD", "idempotencyKey", newIdempotencyKey())), 400, "MISSING_FIELD");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aCurrencyPayflowDoesNotKnowIsUnsupportedCurrency() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), wallet.getId(), "1.00", "ZZZ"), Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY");
        assertGrpcError(() -> payflow.debit(partner.sandboxKey(), wallet.getId(), "1.00", "ZZZ"), Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_CURRENCY");
        assertRestError(restMove("credit", partner.sandboxKey(), wallet.getId(), "1.00", "ZZZ"), 400, "UNSUPPORTED_CURRENCY");
        assertRestError(restMove("credit", partner.sandboxKey(), wallet.getId(), "1.00", "usd"), 400, "UNSUPPORTED_CURRENCY");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aDescriptionOf500CharactersIsAcceptedAndOneOver500IsInvalidField() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        CreditWalletRequest.Builder request = CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("1.00").setCurrency("USD");

        Transaction accepted = payflow.wallets(partner.sandboxKey()).creditWallet(request.setDescription("d".repeat(500)).setIdempotencyKey(newIdempotencyKey()).build());

        assertThat(accepted.getDescription()).hasSize(500);
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(request.setDescription("d".repeat(501)).setIdempotencyKey(newIdempotencyKey()).build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/debit", partner.sandboxKey(),
                body("amount", "1.00", "currency", "USD", "description", "d".repeat(501), "idempotencyKey", newIdempotencyKey())), 400, "INVALID_FIELD");
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("1.00");
    }

    @Test
    void metadataOver8KiBOrOver50KeysIsMetadataTooLarge() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        JsonObject tooManyKeys = new JsonObject();
        for (int i = 0; i < 51; i++) {
            tooManyKeys.addProperty("k" + i, "v");
        }
        JsonObject tooManyBytes = new JsonObject();
        tooManyBytes.addProperty("blob", "x".repeat(9 * 1024));
        Struct.Builder tooManyKeysStruct = Struct.newBuilder();
        for (int i = 0; i < 51; i++) {
            tooManyKeysStruct.putFields("k" + i, Value.newBuilder().setStringValue("v").build());
        }

        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                body("amount", "1.00", "currency", "USD", "idempotencyKey", newIdempotencyKey(), "metadata", tooManyKeys)), 400, "METADATA_TOO_LARGE");
        assertRestError(payflow.rest("POST", "/api/v1/wallets/" + wallet.getId() + "/credit", partner.sandboxKey(),
                body("amount", "1.00", "currency", "USD", "idempotencyKey", newIdempotencyKey(), "metadata", tooManyBytes)), 400, "METADATA_TOO_LARGE");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("1.00").setCurrency("USD").setIdempotencyKey(newIdempotencyKey()).setMetadata(tooManyKeysStruct).build()),
                Status.Code.INVALID_ARGUMENT, "METADATA_TOO_LARGE");

        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aTxnIdInPlaceOfAWalletIdIsInvalidId() {
        String transactionId = payflow.credit(partner.sandboxKey(), payflow.newWallet(partner.sandboxKey(), "USD").getId(), "1.00", "USD").getId();

        assertGrpcError(() -> payflow.credit(partner.sandboxKey(), transactionId, "1.00", "USD"), Status.Code.INVALID_ARGUMENT, "INVALID_ID");
        assertRestError(restMove("debit", partner.sandboxKey(), transactionId, "1.00", "USD"), 400, "INVALID_ID");
    }

    // --- Permissions ------------------------------------------------------------------------------

    @Test
    void aKeyWithOnlyWalletsReadIsMissingPermissionOnCreditAndDebit() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "5.00", "USD");
        String readOnly = payflow.issueKey(partner.partnerId(), ApiKey.Environment.sandbox, "wallets:read");

        assertGrpcError(() -> payflow.credit(readOnly, wallet.getId(), "1.00", "USD"), Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        assertGrpcError(() -> payflow.debit(readOnly, wallet.getId(), "1.00", "USD"), Status.Code.PERMISSION_DENIED, "MISSING_PERMISSION");
        assertRestError(restMove("credit", readOnly, wallet.getId(), "1.00", "USD"), 403, "MISSING_PERMISSION");

        assertThat(payflow.balanceOf(readOnly, wallet.getId())).isEqualTo("5.00");
    }

    // --- Concurrency ------------------------------------------------------------------------------

    @Test
    void concurrentDebitsWithTheirOwnKeysNeverTakeAWalletBelowZero() throws Exception {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "100.00", "USD");
        int threads = 10;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Object>> replies = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                replies.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    try {
                        return payflow.debit(partner.sandboxKey(), wallet.getId(), "15.00", "USD");
                    } catch (StatusRuntimeException e) {
                        return e;
                    }
                }));
            }
            List<Transaction> succeeded = new ArrayList<>();
            List<String> refusals = new ArrayList<>();
            for (Future<Object> reply : replies) {
                Object outcome = reply.get(60, TimeUnit.SECONDS);
                if (outcome instanceof Transaction t) {
                    succeeded.add(t);
                } else {
                    StatusRuntimeException e = (StatusRuntimeException) outcome;
                    refusals.add(e.getStatus().getCode() + " " + ApiErrors.errorInfo(StatusProto.fromThrowable(e)).getReason());
                }
            }

            assertThat(succeeded).hasSize(6);
            assertThat(refusals).hasSize(4).containsOnly("FAILED_PRECONDITION INSUFFICIENT_FUNDS");
            assertThat(succeeded).extracting(t -> t.getEntries(0).getBalance())
                    .containsExactlyInAnyOrder("85.00", "70.00", "55.00", "40.00", "25.00", "10.00");
            assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("10.00");
        } finally {
            pool.shutdownNow();
        }
    }

    // --- Error precedence ---------------------------------------------------------------------------

    /**
     * One credit or debit, as both doors send it. {@code headerKey} goes in the Idempotency-Key
     * header when not empty; {@code metadataKeys} is the number of metadata keys (51 is too many).
     */
    record Move(String direction, String apiKey, String walletId, String amount, String currency, String description, int metadataKeys,
            String bodyKey, String headerKey) {
        Struct metadata() {
            Struct.Builder metadata = Struct.newBuilder();
            for (int i = 0; i < metadataKeys; i++) {
                metadata.putFields("k" + i, Value.newBuilder().setStringValue("v").build());
            }
            return metadata.build();
        }

        Transaction overGrpc() {
            WalletServiceGrpc.WalletServiceBlockingStub stub = payflow.wallets(apiKey);
            if (!headerKey.isEmpty()) {
                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER), headerKey);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            return direction.equals("credit")
                    ? stub.creditWallet(CreditWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount).setCurrency(currency)
                            .setDescription(description).setMetadata(metadata()).setIdempotencyKey(bodyKey).build())
                    : stub.debitWallet(DebitWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount).setCurrency(currency)
                            .setDescription(description).setMetadata(metadata()).setIdempotencyKey(bodyKey).build());
        }

        TestServer.Rest overRest() {
            JsonObject metadataJson = new JsonObject();
            metadata().getFieldsMap().forEach((name, value) -> metadataJson.addProperty(name, value.getStringValue()));
            String json = body("amount", amount, "currency", currency, "description", description, "idempotencyKey", bodyKey,
                    "metadata", metadataJson);
            return payflow.rest("POST", "/api/v1/wallets/" + walletId + "/" + direction, apiKey, json,
                    headerKey.isEmpty() ? Map.of() : Map.of("Idempotency-Key", headerKey));
        }
    }

    /** A credit or debit with two or more problems, and the one reason it must report (MoneyMovement's order). */
    record PrecedenceRow(String problems, Function<String, Move> move, Status.Code code, String reason) {
        @Override
        public String toString() {
            return problems + " -> " + reason;
        }
    }

    /** Wallets in the states the precedence table needs, and a key already used for a credit. */
    private record Fixture(Wallet rich, Wallet poor, Wallet frozen, Wallet closed, Wallet production, String usedKey) {
        static Fixture create() {
            Wallet rich = payflow.newWallet(partner.sandboxKey(), "USD");
            String usedKey = newIdempotencyKey();
            payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(rich.getId()).setAmount("100.00")
                    .setCurrency("USD").setIdempotencyKey(usedKey).build());
            Wallet frozen = payflow.newWallet(partner.sandboxKey(), "USD");
            setStatus(partner.sandboxKey(), frozen.getId(), Wallet.Status.frozen);
            Wallet closed = payflow.newWallet(partner.sandboxKey(), "USD");
            setStatus(partner.sandboxKey(), closed.getId(), Wallet.Status.closed);
            return new Fixture(rich, payflow.newWallet(partner.sandboxKey(), "USD"), frozen, closed, payflow.newWallet(partner.productionKey(), "USD"), usedKey);
        }
    }

    private static Fixture fixture() {
        if (fixture == null) {
            fixture = Fixture.create();
        }
        return fixture;
    }

    private static Move move(String direction, Wallet wallet, String amount, String currency, String key) {
        return new Move(direction, wallet.getLivemode() ? partner.productionKey() : partner.sandboxKey(), wallet.getId(), amount, currency, "", 0, key, "");
    }

    private static Arguments precedenceRow(String problems, Function<String, Move> move, Status.Code code, String reason) {
        return Arguments.of(new PrecedenceRow(problems, move, code, reason));
    }

    static Stream<Arguments> precedence() {
        Status.Code invalid = Status.Code.INVALID_ARGUMENT;
        Status.Code precondition = Status.Code.FAILED_PRECONDITION;
        return Stream.of(
                precedenceRow("credit: a txn_ id as wallet and a bad amount", key -> new Move("credit", partner.sandboxKey(),
                        "txn_" + "0".repeat(26), "abc", "USD", "", 0, key, ""), invalid, "INVALID_ID"),
                precedenceRow("debit: no currency and a bad amount", key -> move("debit", fixture().rich(), "abc", "", key), invalid, "MISSING_FIELD"),
                precedenceRow("credit: an unsupported currency and metadata with too many keys", key -> new Move("credit", partner.sandboxKey(),
                        fixture().rich().getId(), "1.00", "ZZZ", "", 51, key, ""), invalid, "UNSUPPORTED_CURRENCY"),
                precedenceRow("credit: a bad amount and no idempotency key", key -> move("credit", fixture().rich(), "1.001", "USD", ""),
                        invalid, "INVALID_AMOUNT"),
                precedenceRow("debit: a description over 500 characters and no idempotency key", key -> new Move("debit", partner.sandboxKey(),
                        fixture().rich().getId(), "1.00", "USD", "d".repeat(501), 0, "", ""), invalid, "INVALID_FIELD"),
                precedenceRow("credit: metadata with too many keys and no idempotency key", key -> new Move("credit", partner.sandboxKey(),
                        fixture().rich().getId(), "1.00", "USD", "", 51, "", ""), invalid, "METADATA_TOO_LARGE"),
                precedenceRow("credit: no idempotency key and an unknown wallet", key -> new Move("credit", partner.sandboxKey(),
                        UNKNOWN_WALLET_ID, "1.00", "USD", "", 0, "", ""), invalid, "IDEMPOTENCY_KEY_MISSING"),
                precedenceRow("production credit: no idempotency key and no gateway", key -> move("credit", fixture().production(), "1.00", "USD", ""),
                        invalid, "IDEMPOTENCY_KEY_MISSING"),
                precedenceRow("credit: body and header keys that differ and an unknown wallet", key -> new Move("credit", partner.sandboxKey(),
                        UNKNOWN_WALLET_ID, "1.00", "USD", "", 0, key, fixture().usedKey()), invalid, "IDEMPOTENCY_KEY_CONFLICT"),
                precedenceRow("production credit: no payment method and an unknown wallet", key -> new Move("credit", partner.productionKey(),
                        UNKNOWN_WALLET_ID, "1.00", "USD", "", 0, key, ""), invalid, "PAYMENT_METHOD_REQUIRED"),
                precedenceRow("production credit: no payment method and a currency other than the wallet's", key -> move("credit",
                        fixture().production(), "1.00", "EUR", key), invalid, "PAYMENT_METHOD_REQUIRED"),
                precedenceRow("debit: a key already used for a credit and insufficient funds", key -> move("debit", fixture().poor(), "1.00", "USD",
                        fixture().usedKey()), invalid, "IDEMPOTENCY_KEY_REUSED"),
                precedenceRow("credit: a key already used for another credit and an unknown wallet", key -> new Move("credit",
                        partner.sandboxKey(), UNKNOWN_WALLET_ID, "1.00", "USD", "", 0, fixture().usedKey(), ""), invalid, "IDEMPOTENCY_KEY_REUSED"),
                precedenceRow("credit: a currency other than a frozen wallet's", key -> move("credit", fixture().frozen(), "1.00", "EUR", key),
                        invalid, "CURRENCY_MISMATCH"),
                precedenceRow("debit: a currency other than a closed wallet's", key -> move("debit", fixture().closed(), "1.00", "EUR", key),
                        invalid, "CURRENCY_MISMATCH"),
                precedenceRow("debit: a currency other than the wallet's and insufficient funds", key -> move("debit", fixture().poor(), "1.00",
                        "EUR", key), invalid, "CURRENCY_MISMATCH"),
                precedenceRow("debit: a closed wallet without funds", key -> move("debit", fixture().closed(), "1.00", "USD", key),
                        precondition, "WALLET_CLOSED"),
                precedenceRow("debit: a frozen wallet without funds", key -> move("debit", fixture().frozen(), "1.00", "USD", key),
                        precondition, "WALLET_FROZEN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precedence")
    void aCreditOrDebitWithSeveralProblemsReportsTheFirstInMoneyMovementsOrder(PrecedenceRow row) {
        Fixture f = fixture();
        List<String> before = List.of(payflow.balanceOf(partner.sandboxKey(), f.rich().getId()), payflow.balanceOf(partner.sandboxKey(), f.poor().getId()),
                payflow.balanceOf(partner.productionKey(), f.production().getId()));

        assertGrpcError(() -> row.move().apply(newIdempotencyKey()).overGrpc(), row.code(), row.reason());
        assertRestError(row.move().apply(newIdempotencyKey()).overRest(), row.code() == Status.Code.NOT_FOUND ? 404 : 400, row.reason());

        assertThat(List.of(payflow.balanceOf(partner.sandboxKey(), f.rich().getId()), payflow.balanceOf(partner.sandboxKey(), f.poor().getId()),
                payflow.balanceOf(partner.productionKey(), f.production().getId()))).isEqualTo(before);
        assertThat(transactionsOf(partner.sandboxKey(), f.rich().getId())).hasSize(1);
    }

    // --- Helpers ----------------------------------------------------------------------------------

    /** POST /api/v1/wallets/{id}/credit or /debit with a fresh key. */
    private static TestServer.Rest restMove(String direction, String apiKey, String walletId, String amount, String currency) {
        return payflow.rest("POST", "/api/v1/wallets/" + walletId + "/" + direction, apiKey,
                body("amount", amount, "currency", currency, "idempotencyKey", newIdempotencyKey()));
    }

    private static List<Transaction> transactionsOf(String apiKey, String walletId) {
        return payflow.ledger(apiKey).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(walletId)
                .setPageSize(200).build()).getTransactionsList();
    }

    private static void setStatus(String apiKey, String walletId, Wallet.Status status) {
        payflow.wallets(apiKey).updateWallet(UpdateWalletRequest.newBuilder().setId(walletId).setStatus(status).build());
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
