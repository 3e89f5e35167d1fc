package dev.payflow.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * An embedded PostgreSQL for the harness's tests, one per test class, and the plans PostgreSQL
 * itself runs: a session told to explain every statement (nested ones included, as auto_explain
 * notices) and those notices read back as JSON plans.
 */
abstract class ExplainedDatabase {
    private static final Pattern PLAN = Pattern.compile("plan:\\s*(\\{.*)", Pattern.DOTALL);

    private static EmbeddedPostgres postgres;
    static Database database;

    @BeforeAll
    static void startDatabase() throws IOException {
        postgres = EmbeddedPostgres.start();
        database = new Database(postgres.getJdbcUrl("postgres", "postgres"), "postgres", null);
    }

    @AfterAll
    static void stopDatabase() throws IOException {
        postgres.close();
    }

    /** From now on the session's every statement, and every statement inside it, sends its plan as a notice; with {@code analyze}, as run. */
    static void explainEveryStatement(Statement session, boolean analyze) throws SQLException {
        session.execute("LOAD 'auto_explain'");
        session.execute("SET auto_explain.log_min_duration = 0");
        session.execute("SET auto_explain.log_nested_statements = on");
        session.execute("SET auto_explain.log_format = json");
        session.execute("SET auto_explain.log_level = notice");
        if (analyze) {
            session.execute("SET auto_explain.log_analyze = on");
            session.execute("SET auto_explain.log_buffers = on");
        }
    }

    /** The plans among a statement's notices, in order. */
    static List<JsonObject> plans(SQLWarning notices) {
        List<JsonObject> plans = new ArrayList<>();
        for (SQLWarning notice = notices; notice != null; notice = notice.getNextWarning()) {
            var plan = PLAN.matcher(notice.getMessage());
            if (plan.find()) {
                plans.add(JsonParser.parseString(plan.group(1)).getAsJsonObject());
            }
        }
        return plans;
    }
}
