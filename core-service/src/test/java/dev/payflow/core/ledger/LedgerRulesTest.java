package dev.payflow.core.ledger;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.VoidHoldRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ledger's rules as data: one table row per reason (a movement that breaks that rule and a
 * later one reports the earlier), and the proto comments of every money-moving RPC stating the
 * same order as {@link LedgerRules#PRECEDENCE}.
 */
class LedgerRulesTest {
    private static final Path CONTRACT = Path.of("..", "proto", "src", "main", "proto", "payflow", "v1");
    /** The RPC that asks for each kind of movement, and the file that documents it. */
    private static final Map<String, MovementKind> RPCS = Map.of(
            "wallet.proto CreditWallet", MovementKind.CREDIT,
            "wallet.proto DebitWallet", MovementKind.DEBIT,
            "transfer.proto CreateTransfer", MovementKind.TRANSFER,
            "hold.proto CreateHold", MovementKind.PLACE_HOLD,
            "payout.proto CreatePayout", MovementKind.DEBIT,
            "hold.proto CaptureHold", MovementKind.CAPTURE_HOLD,
            "hold.proto VoidHold", MovementKind.RELEASE_HOLD);
    private static final String UNKNOWN_WALLET_ID = "wal_" + "0".repeat(26);
    private static final String UNKNOWN_HOLD_ID = "hld_" + "0".repeat(26);
    /** Ten credits of the per-transaction maximum fill a wallet to the per-wallet maximum. */
    private static final String TRANSACTION_MAXIMUM_USD = "1000000000000.00";

    private static final TestClock CLOCK = TestClock.frozenAt(Instant.parse("2026-12-01T12:00:00Z"));
    private static TestServer payflow;
    private static String key;
    private static Wallet rich;
    private static Wallet poor;
    private static Wallet frozen;
    private static Wallet closed;
    private static Wallet full;
    private static Wallet euros;
    private static Hold pending;
    private static Hold voided;
    private static Hold expired;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(CLOCK);
        key = payflow.onboard(Partner.Status.active).sandboxKey();
        rich = wallet("USD");
        credit(rich, "100.00");
        poor = wallet("USD");
        frozen = wallet("USD");
        setStatus(frozen, Wallet.Status.frozen);
        closed = wallet("USD");
        setStatus(closed, Wallet.Status.closed);
        euros = wallet("EUR");
        full = wallet("USD");
        for (int i = 0; i < 10; i++) {
            credit(full, TRANSACTION_MAXIMUM_USD);
        }
        pending = payflow.holds(key).createHold(CreateHoldRequest.newBuilder().setWalletId(rich.getId()).setAmount("10.00").setCurrency("USD")
                .setIdempotencyKey(newKey()).build());
        voided = payflow.holds(key).createHold(CreateHoldRequest.newBuilder().setWalletId(rich.getId()).setAmount("10.00").setCurrency("USD")
                .setIdempotencyKey(newKey()).build());
        payflow.holds(key).voidHold(VoidHoldRequest.newBuilder().setId(voided.getId()).setIdempotencyKey(newKey()).build());
        Instant soon = CLOCK.instant().plus(Duration.ofMinutes(1));
        expired = payflow.holds(key).createHold(CreateHoldRequest.newBuilder().setWalletId(rich.getId()).setAmount("10.00").setCurrency("USD")
                .setExpiresAt(Timestamp.newBuilder().setSeconds(soon.getEpochSecond())).setIdempotencyKey(newKey()).build());
        CLOCK.advance(Duration.ofSeconds(61));
    }

    @AfterAll
    static void stop() {
        LedgerInvariants.assertHold(payflow.server().database());
        payflow.close();
    }

    record Row(String problems, ThrowingCallable call, Status.Code code, ErrorReason reason) {
        @Override
        public String toString() {
            return reason + ": " + problems;
        }
    }

    static Stream<Arguments> oneRowPerReason() {
        Status.Code invalid = Status.Code.INVALID_ARGUMENT;
        Status.Code precondition = Status.Code.FAILED_PRECONDITION;
        return Stream.of(
                row("capture of an unknown hold, for more than anything holds", () -> capture(UNKNOWN_HOLD_ID, "9999.00", ""),
                        Status.Code.NOT_FOUND, ErrorReason.HOLD_NOT_FOUND),
                row("capture of a voided hold, for more than it held", () -> capture(voided.getId(), "10.01", ""), precondition,
                        ErrorReason.HOLD_NOT_PENDING),
                row("capture of a hold past its expiry, for more than it holds", () -> capture(expired.getId(), "10.01", ""), precondition,
                        ErrorReason.HOLD_EXPIRED),
                row("capture of more than is held, into the hold's own wallet", () -> capture(pending.getId(), "10.01", rich.getId()),
                        precondition, ErrorReason.HOLD_AMOUNT_EXCEEDED),
                row("capture into the hold's own wallet", () -> capture(pending.getId(), "1.00", rich.getId()), invalid, ErrorReason.SAME_WALLET),
                row("transfer from an unknown wallet to a wallet in another currency", () -> transfer(UNKNOWN_WALLET_ID, euros.getId(), "1.00"),
                        Status.Code.NOT_FOUND, ErrorReason.WALLET_NOT_FOUND),
                row("debit of a closed wallet in another currency", () -> debit(closed, "EUR", "1.00"), invalid, ErrorReason.CURRENCY_MISMATCH),
                row("transfer from a frozen wallet to a closed one", () -> transfer(frozen.getId(), closed.getId(), "1.00"), precondition,
                        ErrorReason.WALLET_CLOSED),
                row("debit of a frozen wallet without funds", () -> debit(frozen, "USD", "1.00"), precondition, ErrorReason.WALLET_FROZEN),
                row("transfer from a wallet without funds to a full one", () -> transfer(poor.getId(), full.getId(), "1.00"), precondition,
                        ErrorReason.INSUFFICIENT_FUNDS),
                row("credit of a full wallet", () -> credit(full, "0.01"), precondition, ErrorReason.BALANCE_LIMIT_EXCEEDED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneRowPerReason")
    void aMovementThatBreaksSeveralRulesReportsTheFirstInTheLedgersOrder(Row row) {
        assertGrpcError(row.call(), row.code(), row.reason().name());
    }

    @Test
    void everyRuleHasItsRowAndTheRowsFollowThePrecedence() {
        List<ErrorReason> rows = oneRowPerReason().map(arguments -> ((Row) arguments.get()[0]).reason()).toList();

        assertThat(rows).isEqualTo(LedgerRules.PRECEDENCE.stream().map(LedgerRules.Rule::reason).toList());
    }

    @Test
    void theProtoCommentsStateTheLedgersOrderForEveryMoneyMovingRpc() throws IOException {
        for (Map.Entry<String, MovementKind> rpc : RPCS.entrySet()) {
            String[] fileAndMethod = rpc.getKey().split(" ");
            String comment = rpcComment(Files.readString(CONTRACT.resolve(fileAndMethod[0])), fileAndMethod[1]);
            int ledgerPart = comment.indexOf("in the ledger's order:");
            assertThat(ledgerPart).as("%s says where the ledger's rules start", rpc.getKey()).isGreaterThan(0);

            assertThat(reasonNames(comment.substring(ledgerPart)))
                    .as("the reasons %s documents after \"in the ledger's order:\"", rpc.getKey())
                    .isEqualTo(LedgerRules.reasonsFor(rpc.getValue()));
        }
    }

    @Test
    void eachKindOfMovementIsAskedForByOneDocumentedRpc() {
        assertThat(Set.copyOf(RPCS.values())).containsExactlyInAnyOrder(MovementKind.values());
    }

    /** The comment block right above {@code rpc <method>(}, without the slashes. */
    private static String rpcComment(String proto, String method) {
        List<String> lines = Arrays.asList(proto.split("\n"));
        int rpcLine = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("rpc " + method + "(")) {
                rpcLine = i;
            }
        }
        assertThat(rpcLine).as("rpc %s", method).isGreaterThan(0);
        List<String> comment = new ArrayList<>();
        for (int i = rpcLine - 1; i >= 0 && lines.get(i).trim().startsWith("//"); i--) {
            comment.add(0, lines.get(i).trim().substring(2).trim());
        }
        return String.join(" ", comment);
    }

    private static List<ErrorReason> reasonNames(String text) {
        Set<String> known = Arrays.stream(ErrorReason.values()).map(Enum::name).collect(Collectors.toSet());
        List<ErrorReason> reasons = new ArrayList<>();
        Matcher words = Pattern.compile("[A-Z][A-Z_]{3,}").matcher(text);
        while (words.find()) {
            if (known.contains(words.group())) {
                reasons.add(ErrorReason.valueOf(words.group()));
            }
        }
        return reasons;
    }

    private static Arguments row(String problems, ThrowingCallable call, Status.Code code, ErrorReason reason) {
        return Arguments.of(new Row(problems, call, code, reason));
    }

    private static Wallet wallet(String currency) {
        return payflow.wallets(key).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("user-" + UUID.randomUUID())
                .setExternalWalletId("wallet-" + UUID.randomUUID()).setName("Rules").setCurrency(currency).build());
    }

    private static void setStatus(Wallet wallet, Wallet.Status status) {
        payflow.wallets(key).updateWallet(UpdateWalletRequest.newBuilder().setId(wallet.getId()).setStatus(status).build());
    }

    private static void credit(Wallet wallet, String amount) {
        payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount).setCurrency("USD")
                .setIdempotencyKey(newKey()).build());
    }

    private static void debit(Wallet wallet, String currency, String amount) {
        payflow.wallets(key).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount).setCurrency(currency)
                .setIdempotencyKey(newKey()).build());
    }

    private static void transfer(String from, String to, String amount) {
        payflow.transfers(key).createTransfer(CreateTransferRequest.newBuilder().setFromWalletId(from).setToWalletId(to).setAmount(amount)
                .setCurrency("USD").setIdempotencyKey(newKey()).build());
    }

    private static void capture(String holdId, String amount, String toWalletId) {
        payflow.holds(key).captureHold(CaptureHoldRequest.newBuilder().setId(holdId).setAmount(amount).setToWalletId(toWalletId)
                .setIdempotencyKey(newKey()).build());
    }

    private static String newKey() {
        return "rules-" + UUID.randomUUID();
    }
}
