package dev.payflow.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The database itself keeps holds honest, whatever the application does: a hold is resolved at
 * most once, its terms never change, it is never deleted, and a wallet never reserves more than it
 * holds.
 */
class HoldSafeguardsTest {
    /** PostgreSQL's restrict_violation, raised by the holds trigger. */
    private static final String RESTRICT_VIOLATION = "23001";
    private static final String CHECK_VIOLATION = "23514";

    private static TestServer payflow;
    private static String key;
    private static Wallet wallet;
    private static Hold captured;
    private static Hold pending;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        key = payflow.onboard(Partner.Status.active).sandboxKey();
        wallet = payflow.wallets(key).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u").setExternalWalletId("w")
                .setName("w").setCurrency("USD").build());
        payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("100.00").setCurrency("USD")
                .setIdempotencyKey(UUID.randomUUID().toString()).build());
        captured = place("10.00");
        captured = payflow.holds(key).captureHold(CaptureHoldRequest.newBuilder().setId(captured.getId())
                .setIdempotencyKey(UUID.randomUUID().toString()).build());
        pending = place("20.00");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aResolvedHoldCannotBeResolvedAgain() throws SQLException {
        SQLException refused = refusedSql("UPDATE holds SET status = 'voided', captured_minor = NULL, transaction_id = NULL, "
                + "to_wallet_id = NULL WHERE id = '" + captured.getId() + "'");

        assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
        assertThat(refused.getMessage()).contains(captured.getId()).contains("resolved at most once");
    }

    @Test
    void aPendingHoldsAmountAndWalletNeverChange() throws SQLException {
        SQLException refused = refusedSql("UPDATE holds SET amount_minor = 1 WHERE id = '" + pending.getId() + "'");

        assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
        assertThat(refused.getMessage()).contains("never change");
    }

    @Test
    void holdsAreNeverDeleted() throws SQLException {
        SQLException refused = refusedSql("DELETE FROM holds WHERE id = '" + pending.getId() + "'");

        assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
        assertThat(refused.getMessage()).contains("never deleted");
    }

    @Test
    void aCaptureCannotTakeMoreThanTheHoldHeld() throws SQLException {
        SQLException refused = refusedSql("UPDATE holds SET status = 'captured', resolved_at = now(), captured_minor = 2001, "
                + "transaction_id = '" + captured.getTransactionId() + "' WHERE id = '" + pending.getId() + "'");

        assertThat(refused.getSQLState()).isEqualTo(CHECK_VIOLATION);
        assertThat(refused.getMessage()).contains("holds_resolution_fields");
    }

    @Test
    void aWalletCannotReserveMoreThanItsBalance() throws SQLException {
        SQLException refused = refusedSql("UPDATE wallets SET held_minor = balance_minor + 1 WHERE id = '" + wallet.getId() + "'");

        assertThat(refused.getSQLState()).isEqualTo(CHECK_VIOLATION);
        assertThat(refused.getMessage()).contains("wallets_held_within_balance");
    }

    private static Hold place(String amount) {
        return payflow.holds(key).createHold(CreateHoldRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount).setCurrency("USD")
                .setIdempotencyKey(UUID.randomUUID().toString()).build());
    }

    private static SQLException refusedSql(String sql) throws SQLException {
        var database = payflow.database();
        try (Connection db = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
                Statement statement = db.createStatement()) {
            SQLException refused = catchThrowableOfType(SQLException.class, () -> statement.executeUpdate(sql));
            assertThat((Throwable) refused).as("the database refuses: %s", sql).isNotNull();
            return refused;
        }
    }
}
