package dev.payflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The baseline is only a fair measure if its function does what the service's transaction does
 * and no more: every row it reads or changes it finds by that table's whole primary key, as the
 * service's statements do. A statement that leaves a key column out (say the idempotency key's
 * {@code livemode}) scans every key of the partner on PostgreSQL 15, which has no skip scan, and
 * the baseline then slows as the run adds keys. Checked on the plans PostgreSQL itself runs,
 * printed by auto_explain for every statement inside the function, on all three of its paths.
 */
class BaselineTest extends ExplainedDatabase {

    @Test
    void everyStatementOfTheTransferFindsItsRowsByTheWholePrimaryKey() throws Exception {
        // As many wallets as a run has, analysed, so that the planner weighs them as in a run.
        new Baseline(database, settings(10_000)).prepare();
        try (Connection connection = database.connect(); Statement session = connection.createStatement()) {
            explainEveryStatement(session, false);
            Map<String, List<String>> primaryKeys = primaryKeys(connection);

            List<JsonObject> plans = new ArrayList<>();
            assertEquals("txn_", transfer(connection, "key-1", 1, plans).substring(0, 4), "a transfer books");
            assertEquals(transfer(connection, "key-1", 1, new ArrayList<>()), transfer(connection, "key-1", 1, plans),
                    "a repeated key replays its transaction");
            assertEquals("INSUFFICIENT_FUNDS", transfer(connection, "key-2", 1_000_000_000L, plans), "an overdraft is refused");

            List<String> scans = new ArrayList<>();
            for (JsonObject plan : plans) {
                collectScans(plan.getAsJsonObject("Plan"), plan.get("Query Text").getAsString(), primaryKeys, scans);
            }
            // The key's outcome written (booked, refused) and the replay's read; the wallets' lock and updates beside them.
            assertTrue(scans.stream().filter(scan -> scan.contains(" on idempotency_keys ")).count() >= 3,
                    "the plans of the key's three statements were seen: " + scans);
            assertTrue(scans.stream().filter(scan -> scan.contains(" on wallets ")).count() >= 4, "the wallets' plans were seen: " + scans);
            List<String> partial = scans.stream().filter(scan -> scan.startsWith("PARTIAL")).toList();
            assertTrue(partial.isEmpty(), "statements that read by less than the whole primary key:\n" + String.join("\n", partial));
        }
    }

    private static String transfer(Connection connection, String key, long amountMinor, List<JsonObject> plans) throws SQLException {
        try (PreparedStatement call = connection.prepareStatement("SELECT bench_baseline.transfer(?, ?, ?, ?)")) {
            call.setString(1, key);
            call.setString(2, "wal_00000000");
            call.setString(3, "wal_00000001");
            call.setLong(4, amountMinor);
            String result;
            try (ResultSet rows = call.executeQuery()) {
                rows.next();
                result = rows.getString(1);
            }
            plans.addAll(plans(call.getWarnings()));
            return result;
        }
    }

    /** Every node that reads a table of the baseline: "OK" or "PARTIAL", the node, its condition and its statement. */
    private static void collectScans(JsonObject node, String query, Map<String, List<String>> primaryKeys, List<String> scans) {
        String type = node.get("Node Type").getAsString();
        JsonElement relation = node.get("Relation Name");
        if (relation != null && type.contains("Scan") && primaryKeys.containsKey(relation.getAsString())) {
            String condition = node.has("Index Cond") ? node.get("Index Cond").getAsString() : "";
            boolean whole = primaryKeys.get(relation.getAsString()).stream()
                    .allMatch(column -> Pattern.compile("\\b" + column + "\\b").matcher(condition).find());
            scans.add((whole ? "OK " : "PARTIAL ") + type + " on " + relation.getAsString() + " [" + condition + "] in: "
                    + query.strip().replaceAll("\\s+", " "));
        }
        if (node.has("Plans")) {
            node.getAsJsonArray("Plans").forEach(child -> collectScans(child.getAsJsonObject(), query, primaryKeys, scans));
        }
    }

    private static Map<String, List<String>> primaryKeys(Connection connection) throws SQLException {
        Map<String, List<String>> keys = new HashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("""
                SELECT c.relname, a.attname FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
                WHERE i.indisprimary AND n.nspname = 'bench_baseline'
                """)) {
            while (rows.next()) {
                keys.computeIfAbsent(rows.getString(1), table -> new ArrayList<>()).add(rows.getString(2));
            }
        }
        return keys;
    }

    private static Settings settings(int wallets) {
        return new Settings(List.of(1), wallets, 0, 0, List.of(), List.of(), null, null, null, null, null, null, 1, "armeria");
    }
}
