package dev.payflow.core.testing;

import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.EmbeddedDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One real PostgreSQL per test JVM, chosen as docs/operations.md ("Tests") says: the server named by
 * {@code PAYFLOW_TEST_DATABASE_URL} if set, else a Testcontainers PostgreSQL where Docker runs, else
 * the embedded one. The schema is migrated once into a template database; every test class that
 * needs a clean slate gets a fresh database cloned from it, so no test ever deletes ledger rows.
 */
public final class TestDatabases {
    private static final String TEMPLATE = "payflow_template";
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static Server server;

    /** Where a database lives and how to log in. */
    public record Coordinates(String jdbcUrl, String user, String password) {
    }

    private record Server(String baseUrl, String user, String password, String source) {
        String urlOf(String database) {
            return baseUrl.replace("/DATABASE", "/" + database);
        }
    }

    private TestDatabases() {
    }

    /** A new, migrated, empty database. */
    public static synchronized Coordinates fresh() {
        Server s = server();
        String name = "payflow_test_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
        execute(s, "postgres", "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
        return new Coordinates(s.urlOf(name), s.user(), s.password());
    }

    /** A new database with nothing in it, not even the schema (for tests of the migrations themselves). */
    public static synchronized Coordinates empty() {
        Server s = server();
        String name = "payflow_empty_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
        execute(s, "postgres", "CREATE DATABASE " + name);
        return new Coordinates(s.urlOf(name), s.user(), s.password());
    }

    /** Which PostgreSQL the suite runs on, for the log. */
    public static synchronized String source() {
        return server().source();
    }

    private static Server server() {
        if (server == null) {
            server = start();
            execute(server, "postgres", "DROP DATABASE IF EXISTS " + TEMPLATE);
            execute(server, "postgres", "CREATE DATABASE " + TEMPLATE);
            try (Database template = Database.connect(server.urlOf(TEMPLATE), server.user(), server.password(), 2)) {
                template.migrate();
            }
            System.out.println("PayFlow tests run on " + server.source());
        }
        return server;
    }

    private static Server start() {
        String url = System.getenv("PAYFLOW_TEST_DATABASE_URL");
        if (url != null && !url.isBlank()) {
            // Any database on the server will do as the base; tests create their own next to it.
            String base = url.replaceFirst("(jdbc:postgresql://[^/]+)/[^?]*", "$1/DATABASE");
            return new Server(base, System.getenv("PAYFLOW_TEST_DATABASE_USER"), System.getenv("PAYFLOW_TEST_DATABASE_PASSWORD"), "PAYFLOW_TEST_DATABASE_URL");
        }
        if (!"embedded".equals(System.getenv("PAYFLOW_TEST_DATABASE")) && dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:18");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            String base = container.getJdbcUrl().replaceFirst("(jdbc:postgresql://[^/]+)/[^?]*", "$1/DATABASE");
            return new Server(base, container.getUsername(), container.getPassword(), "Testcontainers (postgres:18)");
        }
        try {
            Path directory = Files.createTempDirectory("payflow-test-postgres");
            EmbeddedDatabase embedded = EmbeddedDatabase.start(directory, false);
            Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
            String base = embedded.jdbcUrl("DATABASE");
            return new Server(base, embedded.user(), null, "the embedded PostgreSQL on port " + embedded.port());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean dockerAvailable() {
        // Without a socket or DOCKER_HOST there is nothing to find, and Testcontainers' probe would log an error.
        boolean somewhereToLook = System.getenv("DOCKER_HOST") != null || java.nio.file.Files.exists(Path.of("/var/run/docker.sock"))
                || java.nio.file.Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
        if (!somewhereToLook) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static void execute(Server s, String database, String sql) {
        try (Connection connection = DriverManager.getConnection(s.urlOf(database), s.user(), s.password());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("could not run: " + sql, e);
        }
    }
}
