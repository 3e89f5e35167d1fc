package dev.payflow.core.ledger;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.Limits;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Past balances are final: a movement that ran longer than the allowed duration does not commit
 * (so no entry can appear later with an old stamp), and a balance {@code asOf} a moment is
 * answered only once that moment has settled.
 */
class MovementDurationTest {
    private static TestServer payflow;
    private static String key;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        key = payflow.onboard(Partner.Status.active).sandboxKey();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aMovementThatOutlastsTheAllowedDurationIsRolledBackAndItsRetryBooksOnce() throws Exception {
        Wallet wallet = payflow.newWallet(key, "USD");
        CreditWalletRequest credit = CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("7.00").setCurrency("USD")
                .setIdempotencyKey("slow-credit").build();
        var database = payflow.database();
        try (Connection db = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
                Statement statement = db.createStatement()) {
            db.setAutoCommit(false);
            // Another transaction holds the wallet, so the credit stamps its entries and then waits.
            statement.execute("SELECT id FROM wallets WHERE id = '" + wallet.getId() + "' FOR UPDATE");
            CompletableFuture<Transaction> slow = CompletableFuture.supplyAsync(() -> payflow.wallets(key).creditWallet(credit));
            awaitALockWait(statement);
            payflow.clock().advance(Limits.MOVEMENT_DURATION_MAX.plusSeconds(1));
            db.rollback();

            assertThat(slow).failsWithin(30, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                    .satisfies(cause -> assertThat(Status.fromThrowable(cause).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
        assertThat(balance(wallet)).as("nothing of the slow credit was committed").isEqualTo("0.00");

        Transaction retried = payflow.wallets(key).creditWallet(credit);

        assertThat(retried.getStatus()).isEqualTo(Transaction.Status.completed);
        assertThat(balance(wallet)).isEqualTo("7.00");
    }

    @Test
    void aBalanceAsOfAMomentIsAnsweredOnlyOnceTheMomentHasSettledAndThenNeverChanges() {
        Wallet wallet = payflow.newWallet(key, "USD");
        payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("3.00").setCurrency("USD")
                .setIdempotencyKey("settling").build());
        Instant moment = payflow.clock().instant();

        assertGrpcError(() -> balanceAsOf(wallet, moment.plusSeconds(5)), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> balanceAsOf(wallet, moment), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        payflow.clock().advance(Limits.BALANCE_SETTLED_AFTER);
        String settled = balanceAsOf(wallet, moment);
        payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("4.00").setCurrency("USD")
                .setIdempotencyKey("after-settling").build());

        assertThat(settled).isEqualTo("3.00");
        assertThat(balanceAsOf(wallet, moment)).isEqualTo(settled);
    }

    private static void awaitALockWait(Statement statement) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (ResultSet waiting = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
                waiting.next();
                if (waiting.getLong(1) > 0) {
                    return;
                }
            }
            // Polls PostgreSQL for the other connection's state, not the clock.
            Thread.sleep(10);
        }
        throw new AssertionError("the credit never waited for the wallet's lock");
    }

    private static String balanceAsOf(Wallet wallet, Instant at) {
        return payflow.wallets(key).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId())
                .setAsOf(com.google.protobuf.Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano())).build()).getBalance();
    }

    private static String balance(Wallet wallet) {
        return payflow.wallets(key).getWalletBalance(GetWalletBalanceRequest.newBuilder().setId(wallet.getId()).build()).getBalance();
    }
}
