package dev.payflow.core.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * The connection pool and the one way to run a database transaction. A use case opens the
 * transaction and hands its {@link DSLContext} down to every repository it calls.
 */
public final class Database implements AutoCloseable {
    /** No statement may hold a connection longer than this; a stuck query must not starve the pool. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(15);
    /**
     * How long a statement waits for a row lock when no other is configured (a wallet, or an
     * idempotency key a racing duplicate holds). Longer waits answer IDEMPOTENCY_KEY_IN_USE or
     * SERVICE_UNAVAILABLE instead of piling up. The service takes its value from
     * PAYFLOW_DATABASE_LOCK_TIMEOUT_MS; tests shorten it.
     */
    public static final Duration LOCK_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    /** How long a caller waits for a free connection before the call fails as unavailable. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    private Database(HikariDataSource dataSource, String jdbcUrl, String user, String password) {
        this.dataSource = dataSource;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
    }

    public static Database connect(String jdbcUrl, String user, String password, int poolSize) {
        return connect(jdbcUrl, user, password, poolSize, LOCK_TIMEOUT_DEFAULT);
    }

    /** @param lockTimeout how long a statement waits for a row lock before it fails (PostgreSQL's lock_timeout) */
    public static Database connect(String jdbcUrl, String user, String password, int poolSize, Duration lockTimeout) {
        if (lockTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("lockTimeout: " + lockTimeout + " (expected: at least 1 ms; 0 would mean no limit)");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Objects.requireNonNull(jdbcUrl, "jdbcUrl"));
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName("payflow");
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        config.setConnectionInitSql("SET statement_timeout = " + STATEMENT_TIMEOUT.toMillis()
                + "; SET lock_timeout = " + lockTimeout.toMillis()
                + "; SET TIME ZONE 'UTC'");
        return new Database(new HikariDataSource(config), jdbcUrl, user, password);
    }

    /** Applies the Flyway migrations in db/migration; safe to call on every start. */
    public void migrate() {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /** Runs {@code work} in one database transaction: committed if it returns, rolled back if it throws. */
    public <T> T inTransaction(Function<DSLContext, T> work) {
        return dsl.transactionResult(configuration -> work.apply(configuration.dsl()));
    }

    /**
     * Runs {@code work} inside the caller's transaction {@code tx}, behind a savepoint: if it
     * throws, what it wrote is rolled back (the transaction itself goes on) and the exception is
     * rethrown; if it returns, its writes stay, to commit with the transaction.
     */
    public static <T> T withinSavepoint(DSLContext tx, Function<DSLContext, T> work) {
        return tx.transactionResult(nested -> work.apply(nested.dsl()));
    }

    /** For reads that need no transaction of their own (each statement sees committed data). */
    public DSLContext reader() {
        return dsl;
    }

    /**
     * A connection of its own, outside the pool, for a session that lives as long as the process
     * (LISTEN): it never takes a pooled connection from the API, and the pool's housekeeping
     * (idle timeouts, max lifetime) never closes it under its listener. The caller closes it.
     *
     * @param applicationName what {@code pg_stat_activity.application_name} shows for it
     * @param socketTimeoutSeconds how long a read may wait on the network before the connection counts as broken
     */
    public java.sql.Connection openDedicatedConnection(String applicationName, int socketTimeoutSeconds) throws java.sql.SQLException {
        java.util.Properties properties = new java.util.Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", Objects.requireNonNull(applicationName, "applicationName"));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("connectTimeout", String.valueOf(socketTimeoutSeconds));
        properties.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        return java.sql.DriverManager.getConnection(jdbcUrl, properties);
    }

    /** Whether the database answers a trivial query within a second. */
    public boolean isReachable() {
        try (var connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /**
     * Publishes the pool's meters ({@code hikaricp_connections_*}: active, idle, pending, timeouts,
     * acquire and usage times) through HikariCP's Micrometer tracker. Once per pool.
     */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry meters) {
        dataSource.setMetricsTrackerFactory(new com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory(meters));
    }
}
