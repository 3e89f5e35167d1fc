package dev.payflow.bankrun;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * The books read straight from PostgreSQL over plain JDBC, and the ledger's rules checked on them:
 * the queries of core-service's test {@code LedgerInvariants}, restated in SQL because this module
 * is a black box that shares no code with the service. Every read runs in one REPEATABLE READ
 * snapshot, so the checks are consistent while clients keep writing.
 */
final class Books {
    private final Settings settings;

    Books(Settings settings) {
        this.settings = settings;
    }

    Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (settings.databaseUser() != null) {
            properties.setProperty("user", settings.databaseUser());
        }
        if (settings.databasePassword() != null) {
            properties.setProperty("password", settings.databasePassword());
        }
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "300");
        Connection connection = DriverManager.getConnection(settings.databaseUrl(), properties);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection.setReadOnly(true);
        connection.setAutoCommit(false);
        return connection;
    }

    /** What the books hold for one partner, keyed the way the run's calls are: by idempotency key and by id. */
    record TransactionRow(String id, String type, String status, long amountMinor, String fromWalletId, String toWalletId, String holdId,
            String key) {
    }

    record HoldRow(String id, String walletId, long amountMinor, String status, Long capturedMinor, String toWalletId, String transactionId,
            String key) {
    }

    record KeyRow(String key, String transactionId, String holdId, String errorReason) {
    }

    record WalletRow(String id, long balanceMinor, long heldMinor) {
    }

    record Snapshot(Map<String, TransactionRow> transactionsByKey, Map<String, TransactionRow> transactionsById,
            Map<String, HoldRow> holdsByKey, Map<String, HoldRow> holdsById, Map<String, KeyRow> keys, Map<String, WalletRow> wallets) {
    }

    /**
     * Checks the rules of docs/ledger.md over the whole database and reports each broken one;
     * returns the partner's rows, read in the same snapshot, for the per-call checks.
     */
    Snapshot check(String partnerId, Consumer<String> violation) throws SQLException {
        try (Connection db = connect()) {
            rows(db, "SELECT transaction_id, sum(amount_minor) FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_minor) <> 0",
                    r -> violation.accept("transaction " + r.getString(1) + ": entries sum to " + r.getLong(2) + ", not zero"));
            rows(db, "SELECT currency, livemode, sum(amount_minor) FROM ledger_entries GROUP BY currency, livemode HAVING sum(amount_minor) <> 0",
                    r -> violation.accept(r.getString(1) + (r.getBoolean(2) ? " live" : " sandbox") + ": all balances sum to " + r.getLong(3) + ", not zero"));
            rows(db, "SELECT t.id FROM transactions t WHERE t.status = 'completed' "
                            + "AND (SELECT count(*) FROM ledger_entries e WHERE e.transaction_id = t.id) < 2",
                    r -> violation.accept("completed transaction " + r.getString(1) + " has fewer than two entries"));
            rows(db, "SELECT w.id, w.balance_minor, w.last_entry_sequence, coalesce(sum(e.amount_minor), 0), count(e.id), "
                            + "coalesce(max(e.wallet_sequence), 0) FROM wallets w LEFT JOIN ledger_entries e ON e.wallet_id = w.id "
                            + "GROUP BY w.id, w.balance_minor, w.last_entry_sequence",
                    r -> {
                        String wallet = r.getString(1);
                        long balance = r.getLong(2);
                        if (balance < 0) {
                            violation.accept("wallet " + wallet + ": balance " + balance + " is negative");
                        }
                        if (r.getLong(4) != balance) {
                            violation.accept("wallet " + wallet + ": balance " + balance + " but its entries sum to " + r.getLong(4));
                        }
                        if (r.getLong(5) != r.getLong(6)) {
                            violation.accept("wallet " + wallet + ": " + r.getLong(5) + " entries numbered up to " + r.getLong(6) + " (a gap or a duplicate)");
                        }
                        if (r.getLong(6) != r.getLong(3)) {
                            violation.accept("wallet " + wallet + ": last entry sequence " + r.getLong(3) + " but its last entry is number " + r.getLong(6));
                        }
                    });
            rows(db, "SELECT w.id, w.balance_minor, coalesce((SELECT e.balance_after_minor FROM ledger_entries e WHERE e.wallet_id = w.id "
                            + "ORDER BY e.wallet_sequence DESC LIMIT 1), 0) FROM wallets w",
                    r -> {
                        if (r.getLong(2) != r.getLong(3)) {
                            violation.accept("wallet " + r.getString(1) + ": balance " + r.getLong(2) + " but its last entry's running balance is " + r.getLong(3));
                        }
                    });
            rows(db, "SELECT id, wallet_id, wallet_sequence, balance_after_minor, running FROM (SELECT id, wallet_id, wallet_sequence, "
                            + "balance_after_minor, sum(amount_minor) OVER (PARTITION BY wallet_id ORDER BY wallet_sequence) AS running "
                            + "FROM ledger_entries WHERE wallet_id IS NOT NULL) x WHERE running <> balance_after_minor",
                    r -> violation.accept("entry " + r.getString(1) + " (wallet " + r.getString(2) + " #" + r.getLong(3) + "): running balance "
                            + r.getLong(4) + " but the entries up to it sum to " + r.getLong(5)));
            rows(db, "SELECT w.id, w.balance_minor, w.held_minor, coalesce(sum(h.amount_minor), 0) FROM wallets w "
                            + "LEFT JOIN holds h ON h.wallet_id = w.id AND h.status = 'pending' GROUP BY w.id, w.balance_minor, w.held_minor",
                    r -> {
                        if (r.getLong(3) != r.getLong(4)) {
                            violation.accept("wallet " + r.getString(1) + ": held " + r.getLong(3) + " but its pending holds sum to " + r.getLong(4));
                        }
                        if (r.getLong(3) < 0 || r.getLong(3) > r.getLong(2)) {
                            violation.accept("wallet " + r.getString(1) + ": held " + r.getLong(3) + " is outside 0..balance " + r.getLong(2));
                        }
                    });
            rows(db, "SELECT h.id FROM holds h WHERE h.status = 'captured' AND NOT EXISTS (SELECT 1 FROM transactions t "
                            + "WHERE t.id = h.transaction_id AND t.hold_id = h.id AND t.amount_minor = h.captured_minor)",
                    r -> violation.accept("captured hold " + r.getString(1) + " has no capture transaction for its captured amount"));
            rows(db, "SELECT partner_id, livemode, idempotency_key, count(*) FROM transactions GROUP BY partner_id, livemode, idempotency_key "
                            + "HAVING count(*) > 1",
                    r -> violation.accept("idempotency key " + r.getString(3) + ": " + r.getLong(4) + " transactions"));
            rows(db, "SELECT partner_id, livemode, idempotency_key, count(*) FROM holds GROUP BY partner_id, livemode, idempotency_key "
                            + "HAVING count(*) > 1",
                    r -> violation.accept("idempotency key " + r.getString(3) + ": " + r.getLong(4) + " holds"));
            // A key is claimed in the same database transaction that records its outcome: a committed key without one
            // would be an operation that started, was cut off, and is neither completed nor visibly failed.
            rows(db, "SELECT idempotency_key FROM idempotency_keys WHERE transaction_id IS NULL AND hold_id IS NULL AND error_reason IS NULL",
                    r -> violation.accept("idempotency key " + r.getString(1) + " is claimed but has no outcome"));
            rows(db, "SELECT k.idempotency_key, t.id FROM idempotency_keys k JOIN transactions t ON t.id = k.transaction_id "
                            + "WHERE k.hold_id IS NULL AND t.idempotency_key <> k.idempotency_key",
                    r -> violation.accept("idempotency key " + r.getString(1) + " names transaction " + r.getString(2) + " booked under another key"));
            rows(db, "SELECT id, status FROM transactions WHERE status <> 'completed' AND NOT livemode",
                    r -> violation.accept("sandbox transaction " + r.getString(1) + " is " + r.getString(2) + " (the simulated gateway settles at once)"));
            Snapshot snapshot = partnerRows(db, partnerId);
            db.rollback();
            return snapshot;
        }
    }

    private Snapshot partnerRows(Connection db, String partnerId) throws SQLException {
        Map<String, TransactionRow> transactionsByKey = new HashMap<>();
        Map<String, TransactionRow> transactionsById = new HashMap<>();
        rows(db, "SELECT id, type, status, amount_minor, from_wallet_id, to_wallet_id, hold_id, idempotency_key FROM transactions WHERE partner_id = ?",
                List.of(partnerId), r -> {
                    TransactionRow row = new TransactionRow(r.getString(1), r.getString(2), r.getString(3), r.getLong(4), r.getString(5),
                            r.getString(6), r.getString(7), r.getString(8));
                    transactionsByKey.put(row.key(), row);
                    transactionsById.put(row.id(), row);
                });
        Map<String, HoldRow> holdsByKey = new HashMap<>();
        Map<String, HoldRow> holdsById = new HashMap<>();
        rows(db, "SELECT id, wallet_id, amount_minor, status, captured_minor, to_wallet_id, transaction_id, idempotency_key FROM holds WHERE partner_id = ?",
                List.of(partnerId), r -> {
                    long captured = r.getLong(5);
                    HoldRow row = new HoldRow(r.getString(1), r.getString(2), r.getLong(3), r.getString(4), r.wasNull() ? null : captured,
                            r.getString(6), r.getString(7), r.getString(8));
                    holdsByKey.put(row.key(), row);
                    holdsById.put(row.id(), row);
                });
        Map<String, KeyRow> keys = new HashMap<>();
        rows(db, "SELECT idempotency_key, transaction_id, hold_id, error_reason FROM idempotency_keys WHERE partner_id = ?",
                List.of(partnerId), r -> keys.put(r.getString(1), new KeyRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4))));
        Map<String, WalletRow> wallets = new HashMap<>();
        rows(db, "SELECT id, balance_minor, held_minor FROM wallets WHERE partner_id = ?",
                List.of(partnerId), r -> wallets.put(r.getString(1), new WalletRow(r.getString(1), r.getLong(2), r.getLong(3))));
        return new Snapshot(transactionsByKey, transactionsById, holdsByKey, holdsById, keys, wallets);
    }

    interface RowHandler {
        void accept(ResultSet row) throws SQLException;
    }

    private static void rows(Connection db, String sql, RowHandler handler) throws SQLException {
        rows(db, sql, List.of(), handler);
    }

    private static void rows(Connection db, String sql, List<String> parameters, RowHandler handler) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setFetchSize(10_000);
            for (int i = 0; i < parameters.size(); i++) {
                statement.setString(i + 1, parameters.get(i));
            }
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    handler.accept(result);
                }
            }
        }
    }
}
