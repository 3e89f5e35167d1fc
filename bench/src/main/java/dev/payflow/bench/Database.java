package dev.payflow.bench;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** The database the service runs on, over plain JDBC: for the baseline and for the check of the books after the run. */
record Database(String url, String user, String password) {
    static Database of(Settings settings, Service service) throws IOException {
        if (settings.databaseUrl() != null) {
            return new Database(settings.databaseUrl(), settings.databaseUser(), settings.databasePassword());
        }
        // The service's embedded PostgreSQL: its superuser, no password, the service's database.
        return new Database("jdbc:postgresql://127.0.0.1:" + service.embeddedDatabasePort() + "/payflow", "postgres", null);
    }

    Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "300");
        return DriverManager.getConnection(url, properties);
    }

    /**
     * Statistics for the service's tables that hold rows, as autovacuum gathers them on a database
     * in use (its first analyze of a table comes about a minute after the table's first writes).
     * Without them, a row that began within that minute would run on the plans each connection made
     * for the foreign-key checks of its first writes, while the tables were nearly empty: such a
     * plan, cached for the connection, can find a wallet or a transaction by its partner's index
     * and then read every row of the partner on each check ({@code ServiceStatisticsTest}).
     * Analysing invalidates those plans, so each connection plans again on what the tables hold.
     * Empty tables are left alone: statistics of an empty table would make the plans made on them
     * just as wrong once rows arrive (so is the baseline's schema, which its set-up analyses itself).
     */
    void analyzeServiceTables() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery("SELECT c.oid::regclass::text FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            for (String table : tables) {
                boolean holdsRows;
                try (ResultSet any = statement.executeQuery("SELECT EXISTS (SELECT 1 FROM " + table + ")")) {
                    any.next();
                    holdsRows = any.getBoolean(1);
                }
                if (holdsRows) {
                    statement.execute("ANALYZE " + table);
                }
            }
        }
    }

    /**
     * The ledger's rules on the service's tables (the queries of core-service's LedgerInvariants,
     * restated here because the harness shares no code with the service): every transaction's
     * entries sum to zero, every currency's entries sum to zero, every wallet's balance is the sum
     * of its entries.
     */
    String checkBooks() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            long unbalancedTransactions = count(statement, "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries"
                    + " GROUP BY transaction_id HAVING sum(amount_minor) <> 0) t");
            long unbalancedCurrencies = count(statement, "SELECT count(*) FROM (SELECT currency, livemode FROM ledger_entries"
                    + " GROUP BY currency, livemode HAVING sum(amount_minor) <> 0) c");
            long walletsOff = count(statement, "SELECT count(*) FROM wallets w WHERE w.balance_minor <>"
                    + " (SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e WHERE e.wallet_id = w.id)");
            long entries = count(statement, "SELECT count(*) FROM ledger_entries");
            String counts = entries + " ledger entries; " + unbalancedTransactions + " unbalanced transactions, " + unbalancedCurrencies
                    + " unbalanced currencies, " + walletsOff + " wallets whose balance is not the sum of their entries";
            return (unbalancedTransactions == 0 && unbalancedCurrencies == 0 && walletsOff == 0 ? "balanced: " : "NOT BALANCED: ") + counts;
        }
    }

    private static long count(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
