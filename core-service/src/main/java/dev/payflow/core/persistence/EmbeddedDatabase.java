package dev.payflow.core.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL, from the binaries on Maven Central, whose data lives in a folder of ours, so
 * a restart keeps every row. For development and tests only; production uses a managed cluster.
 *
 * <p>PostgreSQL runs as a child process that outlives a JVM killed with SIGKILL. On the next start
 * the orphaned server is found through its {@code postmaster.pid} and shut down before a new one
 * starts on the same folder.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    /** A clean shutdown of an idle PostgreSQL takes well under a second; a checkpoint can take longer. */
    private static final Duration ORPHAN_SHUTDOWN_WAIT = Duration.ofSeconds(30);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    /** CREATE DATABASE takes an identifier, not a parameter; only names that need no quoting are accepted. */
    private static final Pattern SAFE_DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL on {@code dataDirectory}, creating the cluster on first use.
     *
     * @param durable whether a commit waits for its WAL to reach the disk (fsync and synchronous
     *                commit on), so nothing committed is lost even if the machine crashes; tests turn it
     *                off for speed
     */
    public static EmbeddedDatabase start(Path dataDirectory, boolean durable) {
        try {
            Files.createDirectories(dataDirectory);
            stopOrphanedServer(dataDirectory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    // We stop PostgreSQL ourselves, after the servers that use it have drained.
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(STARTUP_WAIT)
                    .setServerConfig("max_connections", "200");
            if (durable) {
                // zonky starts PostgreSQL with -F (fsync off) and synchronous_commit=off, so a commit would
                // return before its WAL reached the disk; our -c settings come later and win.
                builder.setServerConfig("fsync", "on");
                builder.setServerConfig("synchronous_commit", "on");
            }
            return new EmbeddedDatabase(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDirectory, e);
        }
    }

    /**
     * Creates the database {@code name} unless it exists already (a restart on the same folder).
     *
     * @param name an SQL identifier of lower-case letters, digits and underscores (it is not quoted)
     */
    public void createDatabaseIfMissing(String name) {
        if (!SAFE_DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name: '" + name + "' (expected: " + SAFE_DATABASE_NAME.pattern() + ")");
        }
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), user(), null);
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (ResultSet found = exists.executeQuery()) {
                if (found.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the " + name + " database", e);
        }
    }

    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl("postgres", database);
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    private static void stopOrphanedServer(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
        Optional<ProcessHandle> orphan = lines.isEmpty() ? Optional.empty() : parsePid(lines.get(0)).flatMap(ProcessHandle::of);
        if (orphan.isEmpty() || !orphan.get().isAlive() || !isPostgres(orphan.get())) {
            // A stale pid file; PostgreSQL itself recognises and replaces it.
            return;
        }
        ProcessHandle process = orphan.get();
        LOG.warn("stopping an orphaned PostgreSQL (pid {}) left on {} by a previous run", process.pid(), dataDirectory);
        // SIGTERM is PostgreSQL's "smart" shutdown; its clients died with the old JVM, so it exits promptly.
        process.destroy();
        try {
            process.onExit().get(ORPHAN_SHUTDOWN_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception timeout) {
            LOG.warn("orphaned PostgreSQL (pid {}) did not stop in {}; killing it", process.pid(), ORPHAN_SHUTDOWN_WAIT);
            process.destroyForcibly();
        }
    }

    private static Optional<Long> parsePid(String line) {
        try {
            return Optional.of(Long.parseLong(line.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isPostgres(ProcessHandle process) {
        // If its command cannot be read, it is not ours to stop: better a failed start than a signal to a stranger.
        return process.info().command().map(command -> command.contains("postgres")).orElse(false);
    }
}
