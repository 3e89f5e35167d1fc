package dev.payflow.core.console;

import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.payflow.core.testing.ConsoleSessions;
import dev.payflow.core.testing.ConsoleSessions.Session;
import dev.payflow.core.testing.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The audit trail: every admin action recorded with who, what, why, before and after; append-only; hash-chained. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditTrailTest {
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static String newPartner(Session session, String email) {
        TestServer.Rest created = session.call(payflow, "POST", "/api/admin/partners",
                "{\"name\": \"Audited\", \"companyName\": \"Audited Inc\", \"email\": \"" + email + "\", \"contactPerson\": \"Jane Smith\"}");
        assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
        return created.body().get("id").getAsString();
    }

    private static List<JsonObject> records(String query) {
        TestServer.Rest page = payflow.rest("GET", "/api/admin/audit-log" + query, TestServer.ADMIN_TOKEN, null);
        assertThat(page.status()).as(page.body().toString()).isEqualTo(200);
        List<JsonObject> records = new ArrayList<>();
        for (JsonElement record : page.body().getAsJsonArray("records")) {
            records.add(record.getAsJsonObject());
        }
        return records;
    }

    @Test
    @Order(1)
    void aStatusChangeByASessionIsRecordedWithWhoWhyBeforeAndAfterAndPersonalDataOnlyAsDigests() {
        Session admin = ConsoleSessions.signInAsBootstrapAdmin(payflow);
        String email = "audit-" + UUID.randomUUID() + "@partner.example";
        String partnerId = newPartner(admin, email);

        TestServer.Rest approved = admin.call(payflow, "PATCH", "/api/admin/partners/" + partnerId + "/status",
                "{\"status\": \"approved\", \"reason\": \"KYB documents verified\"}");
        assertThat(approved.status()).isEqualTo(200);

        List<JsonObject> records = records("?target=" + partnerId);
        assertThat(records).hasSize(2);
        JsonObject change = records.get(0);
        assertThat(change.get("action").getAsString()).isEqualTo("PartnerAdminService.UpdatePartnerStatus");
        assertThat(change.get("actorId").getAsString()).isEqualTo(admin.operatorId());
        assertThat(change.get("actorRole").getAsString()).isEqualTo("admin");
        assertThat(change.get("outcome").getAsString()).isEqualTo("ok");
        assertThat(change.get("reason").getAsString()).isEqualTo("KYB documents verified");
        assertThat(change.get("requestId").getAsString()).isEqualTo(approved.headers().firstValue("x-request-id").orElseThrow());
        assertThat(change.get("before").getAsString()).contains("\"status\":\"pending\"");
        assertThat(change.get("after").getAsString()).contains("\"status\":\"approved\"");
        assertThat(change.get("sourceDigest").getAsString()).startsWith("hmac:");
        // Personal data never appears in clear: neither the partner's email and contact nor the caller's address.
        assertThat(change.toString()).doesNotContain(email).doesNotContain("Jane Smith").doesNotContain("127.0.0.1").contains("hmac:");
        assertThat(records.get(1).get("action").getAsString()).isEqualTo("PartnerAdminService.CreatePartner");
    }

    @Test
    @Order(2)
    void keyIssuanceNeedsAReasonAndIsRecordedWithTheKeyMasked() {
        String partnerId = newPartner(ConsoleSessions.signInAsBootstrapAdmin(payflow), "keys-" + UUID.randomUUID() + "@partner.example");

        assertRestError(payflow.rest("POST", "/api/admin/partners/" + partnerId + "/api-keys", TestServer.ADMIN_TOKEN,
                "{\"environment\": \"sandbox\", \"name\": \"backend\"}"), 400, "MISSING_FIELD");
        TestServer.Rest issued = payflow.rest("POST", "/api/admin/partners/" + partnerId + "/api-keys", TestServer.ADMIN_TOKEN,
                "{\"environment\": \"sandbox\", \"name\": \"backend\", \"reason\": \"integration starts\"}");
        assertThat(issued.status()).isEqualTo(200);
        String key = issued.body().get("key").getAsString();

        List<JsonObject> records = records("?action=PartnerAdminService.CreateApiKey&operatorId=automation");
        JsonObject record = records.get(0);
        assertThat(record.get("actorId").getAsString()).isEqualTo("automation");
        assertThat(record.get("target").getAsString()).as("the key issued").isEqualTo(issued.body().get("id").getAsString());
        assertThat(record.get("before").getAsString()).as("the partner, whose id the request names").contains(partnerId);
        assertThat(record.get("reason").getAsString()).isEqualTo("integration starts");
        assertThat(record.get("after").getAsString()).contains("\"key\":\"***\"").doesNotContain(key);
        assertThat(records.get(1).get("outcome").getAsString()).as("the refused attempt is recorded too").isEqualTo("MISSING_FIELD");
    }

    @Test
    @Order(3)
    void failedAndSuccessfulSignInsAreRecordedWithoutThePassword() {
        ConsoleSessions.signInAttempt(payflow, TestServer.BOOTSTRAP_ADMIN_EMAIL, "a wrong password");
        ConsoleSessions.signInAttempt(payflow, "nobody-" + UUID.randomUUID() + "@payflow.test", "another wrong password");

        List<JsonObject> signIns = records("?action=OperatorService.CreateSession&pageSize=3");

        assertThat(signIns.get(0).get("actorId").getAsString()).isEqualTo("anonymous");
        assertThat(signIns.get(0).get("outcome").getAsString()).isEqualTo("INVALID_CREDENTIALS");
        assertThat(signIns.get(1).get("actorId").getAsString()).startsWith("opr_");
        assertThat(signIns.get(1).get("outcome").getAsString()).isEqualTo("INVALID_CREDENTIALS");
        assertThat(signIns.toString()).doesNotContain("wrong password").doesNotContain(TestServer.BOOTSTRAP_ADMIN_EMAIL);
    }

    @Test
    @Order(4)
    void readsAreNotRecordedAndTheTimeFilterSelectsARange() {
        int before = records("?pageSize=200").size();
        payflow.rest("GET", "/api/admin/partners", TestServer.ADMIN_TOKEN, null);
        assertThat(records("?pageSize=200")).hasSize(before);
        assertThat(records("?from=2999-01-01T00:00:00Z")).isEmpty();
        assertRestError(payflow.rest("GET", "/api/admin/audit-log?pageSize=500", TestServer.ADMIN_TOKEN, null), 400, "INVALID_PAGE_SIZE");
    }

    @Test
    @Order(5)
    void theDatabaseRefusesToEditOrDeleteARecord() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeUpdate("UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 1"))
                    .hasMessageContaining("append-only");
            assertThatThrownBy(() -> statement.executeUpdate("DELETE FROM audit_log WHERE seq = 1")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> statement.executeUpdate("TRUNCATE audit_log")).hasMessageContaining("append-only");
        }
    }

    @Test
    @Order(6)
    void verifyFindsTheChainIntactAndThenTheFirstRecordThatTheTableOwnerEditedBehindTheTriggersBack() throws SQLException {
        JsonObject intact = payflow.rest("GET", "/api/admin/audit-log/verify", TestServer.ADMIN_TOKEN, null).body();
        assertThat(intact.get("intact").getAsBoolean()).isTrue();
        long count = intact.get("recordsChecked").getAsLong();
        assertThat(count).isGreaterThanOrEqualTo(6);

        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            // Only the table's owner can do this, and only by switching the guard off first: exactly the tampering the chain exposes.
            statement.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete");
            statement.executeUpdate("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3");
            statement.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");
        }

        JsonObject broken = payflow.rest("GET", "/api/admin/audit-log/verify", TestServer.ADMIN_TOKEN, null).body();
        assertThat(broken.get("intact").getAsBoolean()).isFalse();
        assertThat(broken.get("firstBrokenSeq").getAsLong()).isEqualTo(3);
        assertThat(broken.get("problem").getAsString()).contains("does not match its hash");

        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete");
            statement.executeUpdate("DELETE FROM audit_log WHERE seq = 2");
            statement.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");
        }
        JsonObject gap = payflow.rest("GET", "/api/admin/audit-log/verify", TestServer.ADMIN_TOKEN, null).body();
        assertThat(gap.get("firstBrokenSeq").getAsLong()).isEqualTo(2);
        assertThat(gap.get("problem").getAsString()).contains("record 2 is missing");
    }

    @Test
    @Order(7)
    void theListPagesNewestFirstWithoutRepeats() {
        JsonObject first = payflow.rest("GET", "/api/admin/audit-log?pageSize=2", TestServer.ADMIN_TOKEN, null).body();
        JsonArray firstRecords = first.getAsJsonArray("records");
        String token = first.get("nextPageToken").getAsString();
        JsonArray second = payflow.rest("GET", "/api/admin/audit-log?pageSize=2&pageToken=" + token, TestServer.ADMIN_TOKEN, null).body()
                .getAsJsonArray("records");
        long lastOfFirst = firstRecords.get(1).getAsJsonObject().get("seq").getAsLong();
        assertThat(firstRecords.get(0).getAsJsonObject().get("seq").getAsLong()).isGreaterThan(lastOfFirst);
        assertThat(second.get(0).getAsJsonObject().get("seq").getAsLong()).isLessThan(lastOfFirst);
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(payflow.database().jdbcUrl(), payflow.database().user(), payflow.database().password());
    }
}
