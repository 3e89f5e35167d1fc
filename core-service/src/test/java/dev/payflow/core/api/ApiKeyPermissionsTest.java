package dev.payflow.core.api;

import static dev.payflow.core.persistence.jooq.Tables.API_KEYS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.domain.Permission;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.Partner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.jooq.Record2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A key issued with no permissions named holds every permission, also those added after it was
 * issued: what is stored is the grant "all", never the list of permissions that existed then.
 */
class ApiKeyPermissionsTest {
    private static TestServer payflow;
    private static String partnerId;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partnerId = payflow.onboard(Partner.Status.active).partnerId();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aKeyIssuedWithNoPermissionsNamedIsStoredAsAllPermissionsAndHoldsTheNewOnes() {
        ApiKey issued = issue();

        Record2<Boolean, String[]> stored = storedGrant(issued.getId());
        assertThat(stored.value1()).as("stored as all permissions").isTrue();
        assertThat(stored.value2()).as("no list to fall behind").isEmpty();
        assertThat(principal(issued.getKey()).permissions()).containsExactlyInAnyOrder(Permission.values())
                .contains(Permission.PAYMENTS_READ, Permission.PAYMENTS_WRITE, Permission.CONNECT_READ, Permission.CONNECT_WRITE,
                        Permission.EXPORTS_READ);
        assertThat(issued.getPermissionsList()).contains("payments:read", "exports:read").hasSize(Permission.values().length);
    }

    @Test
    void aKeyIssuedWithNamedPermissionsHoldsOnlyThoseAndNoneAddedLater() {
        ApiKey issued = issue("wallets:read", "transactions:read");

        Record2<Boolean, String[]> stored = storedGrant(issued.getId());
        assertThat(stored.value1()).isFalse();
        assertThat(stored.value2()).containsExactly("transactions:read", "wallets:read");
        assertThat(principal(issued.getKey()).permissions()).containsExactlyInAnyOrder(Permission.WALLETS_READ, Permission.TRANSACTIONS_READ)
                .doesNotContain(Permission.PAYMENTS_READ);
        assertThat(issued.getPermissionsList()).containsExactly("transactions:read", "wallets:read");
    }

    @Test
    void theMigrationTurnsKeysThatHeldEveryEarlierPermissionIntoAllPermissionKeysAndLeavesNamedKeysAlone() throws Exception {
        TestDatabases.Coordinates database = TestDatabases.empty();
        flyway(database).target("2").load().migrate();
        try (Connection db = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
                Statement sql = db.createStatement()) {
            sql.execute("INSERT INTO partners (id, name, company_name, email, contact_person, business_type, webhook_url, status, metadata,"
                    + " created_at, updated_at) VALUES ('ptn_1', 'P', 'P Inc', 'p@p.example', '', '', '', 'active', '{}', now(), now())");
            String key = "INSERT INTO api_keys (id, partner_id, name, livemode, key_hash, prefix, permissions, created_at)"
                    + " VALUES ('%s', 'ptn_1', 'k', false, '%s', 'sk_test_x', '%s', now())";
            sql.execute(String.format(key, "key_all", "a".repeat(64), "{wallets:read,wallets:write,transactions:read,transactions:write,"
                    + "transfers:write,payouts:read,payouts:write,webhooks:read,webhooks:write}"));
            sql.execute(String.format(key, "key_named", "b".repeat(64), "{wallets:read,transfers:write}"));

            flyway(database).load().migrate();

            assertThat(grantRow(sql, "key_all")).isEqualTo("true {}");
            assertThat(grantRow(sql, "key_named")).isEqualTo("false {transfers:write,wallets:read}");
        }
    }

    private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(TestDatabases.Coordinates database) {
        return org.flywaydb.core.Flyway.configure().dataSource(database.jdbcUrl(), database.user(), database.password())
                .locations("classpath:db/migration");
    }

    private static String grantRow(Statement sql, String keyId) throws Exception {
        try (ResultSet row = sql.executeQuery("SELECT all_permissions, permissions FROM api_keys WHERE id = '" + keyId + "'")) {
            assertThat(row.next()).isTrue();
            String[] permissions = (String[]) row.getArray(2).getArray();
            Arrays.sort(permissions);
            return row.getBoolean(1) + " {" + String.join(",", permissions) + "}";
        }
    }

    private static ApiKey issue(String... permissions) {
        return payflow.admin().createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partnerId).setEnvironment(ApiKey.Environment.sandbox)
                .setName("permissions test").addAllPermissions(List.of(permissions)).build());
    }

    private static Record2<Boolean, String[]> storedGrant(String keyId) {
        return payflow.server().database().reader().select(API_KEYS.ALL_PERMISSIONS, API_KEYS.PERMISSIONS).from(API_KEYS)
                .where(API_KEYS.ID.eq(keyId)).fetchSingle();
    }

    /** What the access rule check sees for this key. */
    private static PartnerPrincipal principal(String key) {
        return new Authenticator(payflow.server().database(), new ApiKeyRepository(), TestServer.ADMIN_TOKEN).authenticatePartner(key);
    }
}
