package dev.payflow.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules the schema states in its comments, enforced by PostgreSQL itself (V5): each test writes
 * what the application never would, over plain JDBC, and asserts the exact refusal.
 */
class LedgerConstraintsTest {
    private static final String CHECK_VIOLATION = "23514";
    private static final String RESTRICT_VIOLATION = "23001";
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys other;
    private static Wallet wallet;
    private static Transaction credit;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        other = payflow.onboard(Partner.Status.active);
        wallet = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("w").setName("w").setCurrency("USD").build());
        credit = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
                .setAmount("10.00").setCurrency("USD").setIdempotencyKey("constraints-credit").build());
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aWalletEntryWithoutItsRunningBalanceAndSequenceIsRefused() throws SQLException {
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            String transactionId = newTransaction(db, "completed");
            SQLException refused = catchThrowableOfType(SQLException.class, () -> execute(db, "INSERT INTO ledger_entries (id, transaction_id, "
                    + "partner_id, livemode, currency, wallet_id, amount_minor, created_at) VALUES ('ent_null_" + suffix() + "', '"
                    + transactionId + "', '" + partner.partnerId() + "', false, 'USD', '" + wallet.getId() + "', 100, now())"));
            db.rollback();

            assertThat(refused.getSQLState()).isEqualTo(CHECK_VIOLATION);
            assertThat(refused.getMessage()).contains("ledger_entries_wallet_fields");
        }
    }

    @Test
    void aCompletedTransactionCannotBecomeFailed() throws SQLException {
        try (Connection db = connect()) {
            SQLException refused = catchThrowableOfType(SQLException.class, () -> execute(db,
                    "UPDATE transactions SET status = 'failed', failure_reason = 'X' WHERE id = '" + credit.getId() + "'"));

            assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
            assertThat(refused.getMessage()).contains(credit.getId()).contains("final");
        }
    }

    @Test
    void anIdempotencyKeyCannotNameAnotherPartnersTransaction() throws SQLException {
        try (Connection db = connect()) {
            execute(db, "INSERT INTO idempotency_keys (partner_id, livemode, idempotency_key, operation, fingerprint, created_at) VALUES ('"
                    + other.partnerId() + "', false, 'stolen-" + suffix() + "', 'CreditWallet', 'f', now())");
            SQLException refused = catchThrowableOfType(SQLException.class, () -> execute(db, "UPDATE idempotency_keys SET transaction_id = '"
                    + credit.getId() + "' WHERE partner_id = '" + other.partnerId() + "' AND idempotency_key LIKE 'stolen-%'"));

            assertThat(refused.getSQLState()).isEqualTo(FOREIGN_KEY_VIOLATION);
            assertThat(refused.getMessage()).contains("idempotency_keys_transaction_fkey");
        }
    }

    @Test
    void aCompletedTransactionWithoutEntriesIsRefusedAtCommit() throws SQLException {
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            String transactionId = newTransaction(db, "completed");
            SQLException refused = catchThrowableOfType(SQLException.class, db::commit);
            db.rollback();

            assertThat(refused.getSQLState()).isEqualTo(CHECK_VIOLATION);
            assertThat(refused.getMessage()).contains(transactionId).contains("at least two");
            assertThat(count(db, "SELECT count(*) FROM transactions WHERE id = '" + transactionId + "'")).isZero();
        }
    }

    @Test
    void aPendingTransactionMayHaveNoEntriesYet() throws SQLException {
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            String transactionId = newTransaction(db, "pending");
            db.commit();

            assertThat(count(db, "SELECT count(*) FROM transactions WHERE id = '" + transactionId + "'")).isEqualTo(1);
        }
    }

    private static String newTransaction(Connection db, String status) throws SQLException {
        String id = "txn_raw_" + suffix();
        execute(db, "INSERT INTO transactions (id, partner_id, livemode, type, status, amount_minor, currency, description, "
                + "idempotency_key, gateway, metadata, created_at) VALUES ('" + id + "', '" + partner.partnerId() + "', false, 'credit', '"
                + status + "', 100, 'USD', 'raw', 'raw-" + id + "', '', '{}'::jsonb, now())");
        return id;
    }

    private static Connection connect() throws SQLException {
        var database = payflow.database();
        return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    }

    private static void execute(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long count(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static String suffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }
}
