package dev.payflow.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestDatabases;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every {@code partner_id} in the schema names a partner that exists, whatever the application
 * writes: through a foreign key to {@code partners}, or through a composite one whose
 * {@code partner_id} is that of a row which itself has such a guarantee (an entry's partner is its
 * transaction's, whose partner is checked). A key counts only if PostgreSQL checks it on every row
 * that has a partner: validated, and with none of its other columns nullable (a key with a NULL in
 * it is not checked at all). Read from the migrated schema's catalogue, so a migration that drops
 * a key no other key stands in for fails here.
 */
class PartnerForeignKeysTest {

    private record ForeignKey(String name, String table, String referenced, List<String> columns, List<String> referencedColumns,
            Set<String> nullableColumns) {
        /** The referenced column that this key holds {@code partner_id} to, or null if it does not include it. */
        String partnerIdHeldTo() {
            int place = columns.indexOf("partner_id");
            return place < 0 ? null : referencedColumns.get(place);
        }

        /** PostgreSQL checks it on every row that has a partner: no column but partner_id itself may be NULL. */
        boolean checkedOnEveryRowWithAPartner() {
            return nullableColumns.stream().allMatch("partner_id"::equals);
        }
    }

    @Test
    void everyPartnerIdInTheSchemaNamesAnExistingPartnerThroughAChainOfForeignKeys() throws Exception {
        TestDatabases.Coordinates database = TestDatabases.fresh();
        Set<String> tablesWithAPartner = new TreeSet<>();
        Map<String, List<ForeignKey>> keysByTable = new TreeMap<>();
        try (Connection db = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
                Statement sql = db.createStatement()) {
            try (ResultSet tables = sql.executeQuery("""
                    SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attname = 'partner_id' AND NOT a.attisdropped
                    """)) {
                while (tables.next()) {
                    tablesWithAPartner.add(tables.getString(1));
                }
            }
            try (ResultSet keys = sql.executeQuery("""
                    SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
                           ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
                           ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i),
                           ARRAY(SELECT a.attname FROM unnest(c.conkey) k(n)
                                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n WHERE NOT a.attnotnull)
                    FROM pg_constraint c
                    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND c.convalidated
                    """)) {
                while (keys.next()) {
                    ForeignKey key = new ForeignKey(keys.getString(1), keys.getString(2), keys.getString(3), names(keys.getArray(4)),
                            names(keys.getArray(5)), new TreeSet<>(names(keys.getArray(6))));
                    keysByTable.computeIfAbsent(key.table(), t -> new ArrayList<>()).add(key);
                }
            }
        }
        assertThat(tablesWithAPartner).as("the partner-owned tables (read from the catalogue)").contains("wallets", "transactions",
                "ledger_entries", "idempotency_keys", "partner_events", "holds", "payments", "payouts");

        // The tables whose partner_id is known to exist, grown until nothing more follows.
        Map<String, String> guaranteedBy = new TreeMap<>();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (String table : tablesWithAPartner) {
                if (guaranteedBy.containsKey(table)) {
                    continue;
                }
                for (ForeignKey key : keysByTable.getOrDefault(table, List.of())) {
                    String heldTo = key.partnerIdHeldTo();
                    boolean toAPartner = key.referenced().equals("partners") && "id".equals(heldTo);
                    boolean toAGuaranteedPartner = "partner_id".equals(heldTo) && guaranteedBy.containsKey(key.referenced());
                    if ((toAPartner || toAGuaranteedPartner) && key.checkedOnEveryRowWithAPartner()) {
                        guaranteedBy.put(table, key.name() + (toAPartner ? "" : " -> " + guaranteedBy.get(key.referenced())));
                        grew = true;
                        break;
                    }
                }
            }
        }

        Set<String> unguaranteed = new TreeSet<>(tablesWithAPartner);
        unguaranteed.removeAll(guaranteedBy.keySet());
        assertThat(unguaranteed).as("tables whose partner_id no foreign key chain holds to an existing partner (their keys: %s)",
                keysByTable.entrySet().stream().filter(e -> unguaranteed.contains(e.getKey())).toList()).isEmpty();
        // The chain V25 relies on: an entry's partner is its transaction's, whose own key checks it.
        assertThat(guaranteedBy.get("ledger_entries")).isEqualTo("ledger_entries_transaction_fkey -> transactions_partner_id_fkey");
    }

    private static List<String> names(Array array) throws Exception {
        return Arrays.asList((String[]) array.getArray());
    }
}
