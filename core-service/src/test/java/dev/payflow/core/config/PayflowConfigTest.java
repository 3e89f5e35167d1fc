package dev.payflow.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PayflowConfigTest {
    private static final String TOKEN = "a-production-admin-token-of-40-characters";
    /** Base64 of 32 bytes, as `openssl rand -base64 32` prints. */
    private static final String ENCRYPTION_KEY = java.util.Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void withNothingSetItIsDevelopmentOnTheDocumentedPortsAndTheEmbeddedDatabase() {
        PayflowConfig config = PayflowConfig.fromEnvironment(Map.of());

        assertThat(config.environment()).isEqualTo(PayflowConfig.DeploymentEnvironment.DEVELOPMENT);
        assertThat(config.grpcPort()).isEqualTo(9090);
        assertThat(config.httpPort()).isEqualTo(8080);
        assertThat(config.managementPort()).isEqualTo(9464);
        assertThat(config.databaseUrl()).isEmpty();
        assertThat(config.adminToken()).isEmpty();
        assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.databaseLockTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.holdExpiryIntervalMs()).isEqualTo(1_000);
        assertThat(config.adminPort()).as("admin API on the REST listener").isEmpty();
        assertThat(config.docServiceEnabled()).isTrue();
    }

    @Test
    void theApiKeyCacheIsOnForFiveSecondsUnlessItsVariablesSayOtherwise() {
        assertThat(PayflowConfig.fromEnvironment(Map.of()).apiKeyCache()).isEqualTo(new ApiKeyCacheConfig(true, 5_000));
        assertThat(PayflowConfig.fromEnvironment(Map.of("PAYFLOW_API_KEY_CACHE_ENABLED", "false", "PAYFLOW_API_KEY_CACHE_MAX_AGE_MS", "250"))
                .apiKeyCache()).isEqualTo(new ApiKeyCacheConfig(false, 250));
    }

    @ParameterizedTest
    @CsvSource({
            "PAYFLOW_API_KEY_CACHE_MAX_AGE_MS, 0, '0 (expected: 1..60000'",
            "PAYFLOW_API_KEY_CACHE_MAX_AGE_MS, 60001, '60001 (expected: 1..60000'",
            "PAYFLOW_API_KEY_CACHE_MAX_AGE_MS, soon, 'expected: an integer'",
            "PAYFLOW_API_KEY_CACHE_ENABLED, yes, 'expected: true or false'"})
    void anApiKeyCacheSettingOutOfRangeIsRefusedByName(String variable, String value, String message) {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of(variable, value)))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining(variable).hasMessageContaining(message);
    }

    @Test
    void theLockTimeoutIsReadInMilliseconds() {
        assertThat(PayflowConfig.fromEnvironment(Map.of("PAYFLOW_DATABASE_LOCK_TIMEOUT_MS", "750")).databaseLockTimeout())
                .isEqualTo(Duration.ofMillis(750));
        assertThat(PayflowConfig.fromEnvironment(Map.of("PAYFLOW_HOLD_EXPIRY_INTERVAL_MS", "0")).holdExpiryIntervalMs())
                .as("0 runs no expiry worker in this process").isZero();
    }

    @Test
    void adminPortAndTheApiBrowserAreSetByTheirVariables() {
        PayflowConfig config = PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ADMIN_PORT", "8081", "PAYFLOW_DOC_SERVICE_ENABLED", "false"));

        assertThat(config.adminPort()).hasValue(8081);
        assertThat(config.docServiceEnabled()).isFalse();
    }

    @Test
    void productionPutsTheAdminApiOnAPortOfItsOwnAndTheApiBrowserOffUnlessEnabled() {
        Map<String, String> production = Map.of("PAYFLOW_ENVIRONMENT", "production",
                "PAYFLOW_DATABASE_URL", "jdbc:postgresql://db/payflow", "PAYFLOW_ADMIN_TOKEN", TOKEN, "PAYFLOW_ENCRYPTION_KEY", ENCRYPTION_KEY,
                "PAYFLOW_PUBLIC_BASE_URL", "https://api.payflow.example", "PAYFLOW_SESSION_SECRET", SESSION_SECRET);
        PayflowConfig config = PayflowConfig.fromEnvironment(production);
        assertThat(config.adminPort()).hasValue(PayflowConfig.ADMIN_PORT_PRODUCTION_DEFAULT);
        assertThat(config.docServiceEnabled()).isFalse();

        Map<String, String> withBrowser = new java.util.HashMap<>(production);
        withBrowser.put("PAYFLOW_DOC_SERVICE_ENABLED", "true");
        assertThat(PayflowConfig.fromEnvironment(withBrowser).docServiceEnabled()).isTrue();
    }

    @Test
    void productionRefusesToStartWithoutADatabaseUrlOrAnAdminToken() {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "production", "PAYFLOW_ADMIN_TOKEN", TOKEN)))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_DATABASE_URL");
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "production",
                "PAYFLOW_DATABASE_URL", "jdbc:postgresql://db/payflow")))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_ADMIN_TOKEN");

        PayflowConfig production = PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "PRODUCTION",
                "PAYFLOW_DATABASE_URL", "jdbc:postgresql://db/payflow", "PAYFLOW_ADMIN_TOKEN", TOKEN, "PAYFLOW_ENCRYPTION_KEY", ENCRYPTION_KEY,
                "PAYFLOW_PUBLIC_BASE_URL", "https://api.payflow.example/", "PAYFLOW_SESSION_SECRET", SESSION_SECRET));
        assertThat(production.isProduction()).isTrue();
        assertThat(production.connect().publicBaseUrlOr(8080)).isEqualTo("https://api.payflow.example");
    }

    @Test
    void productionRefusesToStartWithoutAPublicBaseUrlAndDevelopmentDefaultsToTheRestListener() {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "production",
                "PAYFLOW_DATABASE_URL", "jdbc:postgresql://db/payflow", "PAYFLOW_ADMIN_TOKEN", TOKEN, "PAYFLOW_ENCRYPTION_KEY", ENCRYPTION_KEY)))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_PUBLIC_BASE_URL is required");
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_PUBLIC_BASE_URL", "api.example.com")))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_PUBLIC_BASE_URL");
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "production",
                "PAYFLOW_STRIPE_CONNECT_BASE", "http://localhost:1234")))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_STRIPE_CONNECT_BASE");
        assertThat(PayflowConfig.fromEnvironment(Map.of()).connect().publicBaseUrlOr(8080)).isEqualTo("http://localhost:8080");
    }

    @Test
    void productionRefusesToStartWithoutAnEncryptionKeyOfThirtyTwoBytes() {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "production",
                "PAYFLOW_DATABASE_URL", "jdbc:postgresql://db/payflow", "PAYFLOW_ADMIN_TOKEN", TOKEN)))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_ENCRYPTION_KEY is required");
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENCRYPTION_KEY",
                java.util.Base64.getEncoder().encodeToString(new byte[16]))))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_ENCRYPTION_KEY: 16 bytes");
        assertThat(PayflowConfig.fromEnvironment(Map.of()).webhooks().encryptionKey()).isEmpty();
    }

    private static final String SESSION_SECRET = "a-session-secret-of-at-least-32-characters";

    @Test
    void productionRefusesToStartWithoutASessionSecretOfThirtyTwoCharacters() {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_ENVIRONMENT", "production",
                "PAYFLOW_DATABASE_URL", "jdbc:postgresql://db/payflow", "PAYFLOW_ADMIN_TOKEN", TOKEN, "PAYFLOW_ENCRYPTION_KEY", ENCRYPTION_KEY,
                "PAYFLOW_PUBLIC_BASE_URL", "https://api.payflow.example")))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_SESSION_SECRET is required");
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of("PAYFLOW_SESSION_SECRET", "short")))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_SESSION_SECRET: 5 characters");
        assertThat(PayflowConfig.fromEnvironment(Map.of()).console().sessionSecret()).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1} is refused, naming {0}")
    @CsvSource({"PAYFLOW_ENVIRONMENT, staging", "PAYFLOW_GRPC_PORT, 70000", "PAYFLOW_HTTP_PORT, http", "PAYFLOW_MANAGEMENT_PORT, -1",
            "PAYFLOW_ADMIN_TOKEN, too-short", "PAYFLOW_DATABASE_POOL_SIZE, 0",
            "PAYFLOW_DATABASE_LOCK_TIMEOUT_MS, 0", "PAYFLOW_DATABASE_LOCK_TIMEOUT_MS, 15001", "PAYFLOW_DATABASE_LOCK_TIMEOUT_MS, 5s",
            "PAYFLOW_HOLD_EXPIRY_INTERVAL_MS, -1", "PAYFLOW_HOLD_EXPIRY_INTERVAL_MS, 3600001", "PAYFLOW_ADMIN_PORT, 65536",
            "PAYFLOW_ADMIN_PORT, admin", "PAYFLOW_DOC_SERVICE_ENABLED, yes"})
    void badValuesAreRefusedWithTheVariablesName(String variable, String value) {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of(variable, value)))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining(variable);
    }
}
