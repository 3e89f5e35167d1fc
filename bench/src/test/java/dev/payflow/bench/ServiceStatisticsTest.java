package dev.payflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Why the harness analyses the tables after seeding ({@link Database#analyzeServiceTables}). The service's
 * ledger rows reference their wallet and transaction by a composite key (id, partner, mode,
 * currency), and its tables also carry indexes that lead with the partner. A connection that plans
 * a foreign-key check while the referenced table is nearly empty (the first writes of a seeding,
 * under the generic plans the service's batches ask for) can pick such a partner index, as both
 * then look equally cheap; the plan is cached for the connection, so once the table has grown
 * every check reads all of the partner's rows, until the table is analysed. Tables shaped like the
 * service's wallets and entries, checked on the plans PostgreSQL itself runs (auto_explain).
 */
class ServiceStatisticsTest extends ExplainedDatabase {
    private static final int WALLETS = 5_000;

    @Test
    void aForeignKeyCheckPlannedOnANearlyEmptyTableIsPlannedAgainOnceTheHarnessAnalysesIt() throws Exception {
        try (Connection setup = database.connect(); Statement ddl = setup.createStatement()) {
            // The columns and indexes of the service's wallets that a check of the entries' key can use, and the entries' key.
            ddl.execute("""
                    CREATE TABLE wallets (
                        id varchar(64) PRIMARY KEY, partner_id varchar(64) NOT NULL, livemode boolean NOT NULL,
                        external_user_id varchar(128) NOT NULL, currency varchar(3) NOT NULL,
                        CONSTRAINT wallets_identity_key UNIQUE (id, partner_id, livemode, currency))
                    """);
            ddl.execute("CREATE INDEX wallets_partner_user ON wallets (partner_id, livemode, external_user_id, id)");
            ddl.execute("""
                    CREATE TABLE ledger_entries (
                        id varchar(64) PRIMARY KEY, wallet_id varchar(64) NOT NULL, partner_id varchar(64) NOT NULL,
                        livemode boolean NOT NULL, currency varchar(3) NOT NULL,
                        CONSTRAINT ledger_entries_wallet_fkey FOREIGN KEY (wallet_id, partner_id, livemode, currency)
                            REFERENCES wallets (id, partner_id, livemode, currency))
                    """);
            ddl.execute("INSERT INTO wallets VALUES ('wal_first', 'ptn_1', false, 'user-first', 'USD')");
            // A table the seeding leaves empty: statistics of no rows would mislead the plans made once rows arrive.
            ddl.execute("CREATE TABLE holds (id varchar(64) PRIMARY KEY)");
        }
        try (Connection service = database.connect(); Statement session = service.createStatement()) {
            explainEveryStatement(session, true);
            // As in the service's group-commit batches (LedgerEngine.usePreparedPlans), for the whole session here.
            session.execute("SET plan_cache_mode = force_generic_plan");

            String young = checkOfEntry(session, "ent_1", "wal_first");
            try (Connection setup = database.connect(); Statement seed = setup.createStatement()) {
                seed.execute("INSERT INTO wallets SELECT 'wal_' || lpad(n::text, 8, '0'), 'ptn_1', false, 'user-' || n, 'USD'"
                        + " FROM generate_series(1, " + WALLETS + ") n");
            }
            String grown = checkOfEntry(session, "ent_2", "wal_00004321");
            assertEquals(indexOf(young), indexOf(grown), "the connection keeps the plan it made while the table was nearly empty");
            assertTrue(grown.startsWith("wallets_partner_user"),
                    "on a nearly empty table the check found the wallet by its partner's index (the premise of this test): " + grown);
            assertTrue(blocksRead(grown) > 20, "so each check now reads the partner's part of that index: " + grown);

            database.analyzeServiceTables();

            String analysed = checkOfEntry(session, "ent_3", "wal_00001234");
            assertNotEquals(indexOf(grown), indexOf(analysed), "analysing the table invalidated the connection's plan");
            assertTrue(analysed.startsWith("wallets_pkey") || analysed.startsWith("wallets_identity_key"),
                    "after the harness's analyze the check finds the wallet by its key: " + analysed);
            assertTrue(blocksRead(analysed) <= 5, "and reads a few pages: " + analysed);
            assertEquals(WALLETS + 1, reltuples(session, "wallets"), "the wallets were analysed");
            assertEquals(-1, reltuples(session, "holds"), "the empty table was left unanalysed");
        }
    }

    /** What the planner believes a table holds: -1 until it is first analysed or vacuumed. */
    private static long reltuples(Statement session, String table) throws SQLException {
        try (var rows = session.executeQuery("SELECT reltuples::bigint FROM pg_class WHERE oid = '" + table + "'::regclass")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Inserts an entry on the wallet; returns the index its foreign-key check scanned and the pages it read, as "index blocks=n". */
    private static String checkOfEntry(Statement session, String entryId, String walletId) throws SQLException {
        session.execute("INSERT INTO ledger_entries VALUES ('" + entryId + "', '" + walletId + "', 'ptn_1', false, 'USD')");
        List<String> checks = new ArrayList<>();
        for (JsonObject explained : plans(session.getWarnings())) {
            if (explained.get("Query Text").getAsString().contains("FOR KEY SHARE")) {
                checks.add(scanOf(explained.getAsJsonObject("Plan")));
            }
        }
        session.clearWarnings();
        assertEquals(1, checks.size(), "one foreign-key check per entry: " + checks);
        return checks.get(0);
    }

    private static String scanOf(JsonObject node) {
        if (node.has("Index Name")) {
            return node.get("Index Name").getAsString() + " blocks=" + node.get("Shared Hit Blocks").getAsLong()
                    + " cond=" + node.get("Index Cond").getAsString();
        }
        if (node.has("Plans")) {
            return scanOf(node.getAsJsonArray("Plans").get(0).getAsJsonObject());
        }
        return node.get("Node Type").getAsString() + " blocks=" + node.get("Shared Hit Blocks").getAsLong();
    }

    private static String indexOf(String scan) {
        return scan.substring(0, scan.indexOf(' '));
    }

    private static long blocksRead(String scan) {
        String blocks = scan.substring(scan.indexOf("blocks=") + "blocks=".length());
        return Long.parseLong(blocks.split(" ")[0]);
    }
}
