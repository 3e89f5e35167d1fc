package dev.payflow.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

    @Test
    void aDurableEmbeddedDatabaseWaitsForTheDiskAtEveryCommit(@TempDir Path dataDir) throws Exception {
        try (EmbeddedDatabase postgres = EmbeddedDatabase.start(dataDir.resolve("postgres"), true);
                Connection connection = DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.user(), null);
                Statement statement = connection.createStatement()) {
            assertThat(setting(statement, "fsync")).isEqualTo("on");
            assertThat(setting(statement, "synchronous_commit")).isEqualTo("on");
        }
    }

    private static String setting(Statement statement, String name) throws Exception {
        try (ResultSet result = statement.executeQuery("SHOW " + name)) {
            result.next();
            return result.getString(1);
        }
    }
}
