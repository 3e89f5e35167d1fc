package dev.payflow.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the database allows without the service, in the same run on the same database: the
 * transfer as one server-side SQL function (the statements the service's transaction must run,
 * no application around them), and one single-row INSERT per commit as the ceiling. Both live in
 * a schema of their own, {@code bench_baseline}, recreated for each run, on tables shaped like the
 * service's (the same key and entry constraints and indexes, the running balance and sequence).
 */
final class Baseline {
    private static final String SCHEMA = """
            DROP SCHEMA IF EXISTS bench_baseline CASCADE;
            CREATE SCHEMA bench_baseline;
            CREATE TABLE bench_baseline.wallets (
                id text PRIMARY KEY, partner_id text NOT NULL, livemode boolean NOT NULL, currency text NOT NULL,
                balance_minor bigint NOT NULL CHECK (balance_minor >= 0), held_minor bigint NOT NULL DEFAULT 0,
                last_entry_sequence bigint NOT NULL, updated_at timestamptz NOT NULL);
            CREATE TABLE bench_baseline.idempotency_keys (
                partner_id text NOT NULL, livemode boolean NOT NULL, idempotency_key text NOT NULL, operation text NOT NULL,
                fingerprint text NOT NULL, transaction_id text, created_at timestamptz NOT NULL,
                PRIMARY KEY (partner_id, livemode, idempotency_key));
            CREATE TABLE bench_baseline.transactions (
                id text PRIMARY KEY, partner_id text NOT NULL, livemode boolean NOT NULL, type text NOT NULL, status text NOT NULL,
                amount_minor bigint NOT NULL, currency text NOT NULL, from_wallet_id text, to_wallet_id text, idempotency_key text NOT NULL,
                metadata jsonb NOT NULL, created_at timestamptz NOT NULL,
                UNIQUE (partner_id, livemode, idempotency_key));
            CREATE INDEX ON bench_baseline.transactions (from_wallet_id, id);
            CREATE INDEX ON bench_baseline.transactions (to_wallet_id, id);
            CREATE TABLE bench_baseline.ledger_entries (
                id text PRIMARY KEY, transaction_id text NOT NULL REFERENCES bench_baseline.transactions (id), wallet_id text,
                amount_minor bigint NOT NULL, balance_after_minor bigint, wallet_sequence bigint, created_at timestamptz NOT NULL,
                UNIQUE (wallet_id, wallet_sequence));
            CREATE INDEX ON bench_baseline.ledger_entries (transaction_id);
            CREATE TABLE bench_baseline.commits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
            CREATE FUNCTION bench_baseline.transfer(p_key text, p_from text, p_to text, p_amount bigint) RETURNS text
            LANGUAGE plpgsql AS $$
            DECLARE
                v_txn text := 'txn_' || md5(p_key);
                v_from bench_baseline.wallets;
                v_to bench_baseline.wallets;
                v_now timestamptz := clock_timestamp();
                w bench_baseline.wallets;
            BEGIN
                INSERT INTO bench_baseline.idempotency_keys VALUES ('ptn_bench', false, p_key, 'CreateTransfer', md5(p_from || p_to || p_amount), NULL, v_now)
                    ON CONFLICT DO NOTHING;
                IF NOT FOUND THEN
                    RETURN (SELECT transaction_id FROM bench_baseline.idempotency_keys WHERE partner_id = 'ptn_bench' AND livemode = false AND idempotency_key = p_key);
                END IF;
                FOR w IN SELECT * FROM bench_baseline.wallets WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE LOOP
                    IF w.id = p_from THEN v_from := w; ELSE v_to := w; END IF;
                END LOOP;
                IF v_from.balance_minor - v_from.held_minor < p_amount THEN
                    UPDATE bench_baseline.idempotency_keys SET transaction_id = 'INSUFFICIENT_FUNDS' WHERE partner_id = 'ptn_bench' AND livemode = false AND idempotency_key = p_key;
                    RETURN 'INSUFFICIENT_FUNDS';
                END IF;
                INSERT INTO bench_baseline.transactions VALUES (v_txn, 'ptn_bench', false, 'transfer', 'completed', p_amount, 'USD', p_from, p_to, p_key, '{}', v_now);
                INSERT INTO bench_baseline.ledger_entries VALUES
                    ('ent_' || md5(p_key || 'a'), v_txn, p_from, -p_amount, v_from.balance_minor - p_amount, v_from.last_entry_sequence + 1, v_now),
                    ('ent_' || md5(p_key || 'b'), v_txn, p_to, p_amount, v_to.balance_minor + p_amount, v_to.last_entry_sequence + 1, v_now);
                UPDATE bench_baseline.wallets SET balance_minor = balance_minor - p_amount, last_entry_sequence = last_entry_sequence + 1, updated_at = v_now
                    WHERE id = p_from;
                UPDATE bench_baseline.wallets SET balance_minor = balance_minor + p_amount, last_entry_sequence = last_entry_sequence + 1, updated_at = v_now
                    WHERE id = p_to;
                UPDATE bench_baseline.idempotency_keys SET transaction_id = v_txn WHERE partner_id = 'ptn_bench' AND livemode = false AND idempotency_key = p_key;
                RETURN v_txn;
            END $$;
            """;

    private final Database database;
    private final int wallets;
    private final AtomicLong keys = new AtomicLong();
    /** One connection (autocommit) per client number, kept across rows: client n of one row and of the next never run at once. */
    private final java.util.Map<Integer, Connection> connections = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, java.util.Map<String, PreparedStatement>> prepared = new java.util.concurrent.ConcurrentHashMap<>();

    Baseline(Database database, Settings settings) {
        this.database = database;
        this.wallets = settings.wallets();
    }

    /** Recreates the schema and funds as many wallets as the service's run has. */
    void prepare() throws SQLException {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute(SCHEMA);
            statement.execute("INSERT INTO bench_baseline.wallets SELECT 'wal_' || lpad(n::text, 8, '0'), 'ptn_bench', false, 'USD', 100000000, 0, 0, now()"
                    + " FROM generate_series(0, " + (wallets - 1) + ") n");
            statement.execute("ANALYZE bench_baseline.wallets");
        }
    }

    /** One transfer between two random wallets: one round trip, one commit. */
    void transferOnce(int client) throws Exception {
        int from = ThreadLocalRandom.current().nextInt(wallets);
        int to = (from + 1 + ThreadLocalRandom.current().nextInt(wallets - 1)) % wallets;
        PreparedStatement call = statement(client, "SELECT bench_baseline.transfer(?, ?, ?, 1)");
        call.setString(1, "k" + keys.incrementAndGet() + "-" + System.nanoTime());
        call.setString(2, String.format("wal_%08d", from));
        call.setString(3, String.format("wal_%08d", to));
        call.executeQuery().close();
    }

    /** One single-row INSERT in a transaction of its own: the database's commit rate, the ceiling of anything that commits once per operation. */
    void insertOnce(int client) throws Exception {
        statement(client, "INSERT INTO bench_baseline.commits DEFAULT VALUES").executeUpdate();
    }

    private PreparedStatement statement(int client, String sql) throws SQLException {
        Connection connection = connections.get(client);
        if (connection == null) {
            connection = database.connect();
            connection.setAutoCommit(true);
            connections.put(client, connection);
        }
        java.util.Map<String, PreparedStatement> mine = prepared.computeIfAbsent(client, c -> new java.util.HashMap<>());
        PreparedStatement statement = mine.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            mine.put(sql, statement);
        }
        return statement;
    }

    /** Closes the clients' connections, before the service's rows run. */
    void closeConnections() {
        connections.values().forEach(connection -> {
            try {
                connection.close();
            } catch (SQLException e) {
                // Closing at the end of the baseline: nothing left to do with it.
            }
        });
        connections.clear();
        prepared.clear();
    }
}
