package dev.payflow.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything the service reads from its environment. See the configuration table in README.md.
 * {@code production} refuses to start without a database URL and an admin token, and allows none
 * of the development conveniences (embedded PostgreSQL, generated admin token).
 */
public record PayflowConfig(
        DeploymentEnvironment environment,
        int grpcPort,
        int httpPort,
        int managementPort,
        Optional<String> databaseUrl,
        Optional<String> databaseUser,
        Optional<String> databasePassword,
        Path dataDir,
        Optional<String> adminToken,
        int databasePoolSize,
        Duration databaseLockTimeout,
        long holdExpiryIntervalMs,
        OptionalInt adminPort,
        boolean docServiceEnabled,
        StripeConfig stripe,
        WebhookConfig webhooks,
        ConnectConfig connect,
        PayoutConfig payouts,
        TrafficConfig traffic,
        GroupCommitConfig groupCommit,
        ConsoleConfig console,
        RetentionConfig retention,
        ReconciliationConfig reconciliation,
        PayPalConfig paypal,
        ApiKeyCacheConfig apiKeyCache) {

    public enum DeploymentEnvironment {
        DEVELOPMENT,
        PRODUCTION
    }

    /** Below this, a guessable token could protect the admin API; 32 characters is 160+ bits of base62. */
    public static final int ADMIN_TOKEN_LENGTH_MIN = 32;
    /** The admin listener in production when PAYFLOW_ADMIN_PORT is not set: a port of its own, never exposed publicly. */
    public static final int ADMIN_PORT_PRODUCTION_DEFAULT = 8081;
    /** Enough connections for the gRPC and REST worker threads on a small instance; PostgreSQL's default limit is 100. */
    private static final int DATABASE_POOL_SIZE_DEFAULT = 16;
    /**
     * How long a statement waits for a row lock (a wallet, or an idempotency key a racing duplicate
     * holds) before the call answers IDEMPOTENCY_KEY_IN_USE or SERVICE_UNAVAILABLE: long enough for
     * any honest transaction on a busy wallet (they take milliseconds), short enough that waiting
     * calls do not pile up behind a stuck one.
     */
    public static final Duration DATABASE_LOCK_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    /** Above this a waiting call holds its connection for longer than the statement timeout allows anyway. */
    private static final Duration DATABASE_LOCK_TIMEOUT_MAX = Duration.ofSeconds(15);
    /** A hold is released within about a second of its expiry; each tick is one indexed query when nothing is due. */
    private static final long HOLD_EXPIRY_INTERVAL_MS_DEFAULT = 1_000;
    /** An hour between ticks would leave expired funds reserved far too long. */
    private static final long HOLD_EXPIRY_INTERVAL_MS_MAX = 3_600_000;

    /**
     * The configuration with the defaults of everything after the pool size: the production lock
     * timeout, the hold-expiry worker every second, the admin API on the REST listener, and the API
     * browser on in development only.
     */
    public PayflowConfig(DeploymentEnvironment environment, int grpcPort, int httpPort, int managementPort,
            Optional<String> databaseUrl, Optional<String> databaseUser, Optional<String> databasePassword,
            Path dataDir, Optional<String> adminToken, int databasePoolSize) {
        this(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir,
                adminToken, databasePoolSize, DATABASE_LOCK_TIMEOUT_DEFAULT, HOLD_EXPIRY_INTERVAL_MS_DEFAULT, OptionalInt.empty(),
                environment != DeploymentEnvironment.PRODUCTION);
    }

    /** The configuration without Stripe in either mode (sandbox uses the simulated gateway) and with the webhook defaults. */
    public PayflowConfig(DeploymentEnvironment environment, int grpcPort, int httpPort, int managementPort, Optional<String> databaseUrl,
            Optional<String> databaseUser, Optional<String> databasePassword, Path dataDir, Optional<String> adminToken, int databasePoolSize,
            Duration databaseLockTimeout, long holdExpiryIntervalMs, OptionalInt adminPort, boolean docServiceEnabled) {
        this(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, StripeConfig.NONE,
                WebhookConfig.defaults());
    }

    /** The configuration before Connect, payouts, traffic, group commit, the console and retention had settings: each with its defaults. */
    public PayflowConfig(DeploymentEnvironment environment, int grpcPort, int httpPort, int managementPort, Optional<String> databaseUrl,
            Optional<String> databaseUser, Optional<String> databasePassword, Path dataDir, Optional<String> adminToken, int databasePoolSize,
            Duration databaseLockTimeout, long holdExpiryIntervalMs, OptionalInt adminPort, boolean docServiceEnabled, StripeConfig stripe,
            WebhookConfig webhooks) {
        this(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks,
                ConnectConfig.NONE, PayoutConfig.DEFAULTS, TrafficConfig.defaults(), GroupCommitConfig.defaults(), ConsoleConfig.NONE,
                RetentionConfig.DEFAULTS, ReconciliationConfig.DEFAULTS, PayPalConfig.NONE);
    }

    /** The configuration before the API key cache had settings: the cache on, with its default maximum age. */
    public PayflowConfig(DeploymentEnvironment environment, int grpcPort, int httpPort, int managementPort, Optional<String> databaseUrl,
            Optional<String> databaseUser, Optional<String> databasePassword, Path dataDir, Optional<String> adminToken, int databasePoolSize,
            Duration databaseLockTimeout, long holdExpiryIntervalMs, OptionalInt adminPort, boolean docServiceEnabled, StripeConfig stripe,
            WebhookConfig webhooks, ConnectConfig connect, PayoutConfig payouts, TrafficConfig traffic, GroupCommitConfig groupCommit,
            ConsoleConfig console, RetentionConfig retention, ReconciliationConfig reconciliation, PayPalConfig paypal) {
        this(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks,
                connect, payouts, traffic, groupCommit, console, retention, reconciliation, paypal, ApiKeyCacheConfig.DEFAULTS);
    }

    public PayflowConfig {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(stripe, "stripe");
        if (stripe.apiBase().isPresent() && environment != DeploymentEnvironment.DEVELOPMENT) {
            throw new ConfigException("PAYFLOW_STRIPE_API_BASE is allowed only when PAYFLOW_ENVIRONMENT=development");
        }
        Objects.requireNonNull(webhooks, "webhooks");
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(payouts, "payouts");
        Objects.requireNonNull(traffic, "traffic");
        Objects.requireNonNull(groupCommit, "groupCommit");
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(reconciliation, "reconciliation");
        Objects.requireNonNull(paypal, "paypal");
        Objects.requireNonNull(apiKeyCache, "apiKeyCache");
        if (paypal.apiBase().isPresent() && environment != DeploymentEnvironment.DEVELOPMENT) {
            throw new ConfigException("PAYFLOW_PAYPAL_API_BASE is allowed only when PAYFLOW_ENVIRONMENT=development");
        }
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(adminPort, "adminPort");
        requirePort("PAYFLOW_GRPC_PORT", grpcPort);
        requirePort("PAYFLOW_HTTP_PORT", httpPort);
        requirePort("PAYFLOW_MANAGEMENT_PORT", managementPort);
        adminPort.ifPresent(port -> requirePort("PAYFLOW_ADMIN_PORT", port));
        if (environment == DeploymentEnvironment.PRODUCTION && adminPort.isEmpty()) {
            // The admin API and the API browser never share the public REST listener in production.
            adminPort = OptionalInt.of(ADMIN_PORT_PRODUCTION_DEFAULT);
        }
        if (environment == DeploymentEnvironment.PRODUCTION) {
            if (databaseUrl.isEmpty()) {
                throw new ConfigException("PAYFLOW_DATABASE_URL is required when PAYFLOW_ENVIRONMENT=production");
            }
            if (adminToken.isEmpty()) {
                throw new ConfigException("PAYFLOW_ADMIN_TOKEN is required when PAYFLOW_ENVIRONMENT=production");
            }
            if (webhooks.encryptionKey().isEmpty()) {
                throw new ConfigException("PAYFLOW_ENCRYPTION_KEY is required when PAYFLOW_ENVIRONMENT=production"
                        + " (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
            }
            if (connect.publicBaseUrl().isEmpty()) {
                throw new ConfigException("PAYFLOW_PUBLIC_BASE_URL is required when PAYFLOW_ENVIRONMENT=production"
                        + " (where account holders reach PayFlow's Connect onboarding pages, e.g. https://api.example.com)");
            }
            if (console.sessionSecret().isEmpty()) {
                throw new ConfigException("PAYFLOW_SESSION_SECRET is required when PAYFLOW_ENVIRONMENT=production (at least "
                        + ConsoleConfig.SESSION_SECRET_LENGTH_MIN + " characters)");
            }
        }
        adminToken.ifPresent(token -> {
            try {
                dev.payflow.core.app.AdminTokens.parse(token);
            } catch (IllegalArgumentException malformed) {
                throw new ConfigException("PAYFLOW_ADMIN_TOKEN: " + malformed.getMessage());
            }
        });
        if (databasePoolSize < 1 || databasePoolSize > 200) {
            throw new ConfigException("PAYFLOW_DATABASE_POOL_SIZE: " + databasePoolSize + " (expected: 1..200)");
        }
        Objects.requireNonNull(databaseLockTimeout, "databaseLockTimeout");
        if (databaseLockTimeout.toMillis() < 1 || databaseLockTimeout.compareTo(DATABASE_LOCK_TIMEOUT_MAX) > 0) {
            throw new ConfigException("PAYFLOW_DATABASE_LOCK_TIMEOUT_MS: " + databaseLockTimeout.toMillis() + " (expected: 1.."
                    + DATABASE_LOCK_TIMEOUT_MAX.toMillis() + ")");
        }
        if (holdExpiryIntervalMs < 0 || holdExpiryIntervalMs > HOLD_EXPIRY_INTERVAL_MS_MAX) {
            throw new ConfigException("PAYFLOW_HOLD_EXPIRY_INTERVAL_MS: " + holdExpiryIntervalMs + " (expected: 0..." + HOLD_EXPIRY_INTERVAL_MS_MAX
                    + ", 0 to run no expiry worker in this process)");
        }
    }

    public static PayflowConfig fromEnvironment(Map<String, String> env) {
        DeploymentEnvironment environment = environment(env.get("PAYFLOW_ENVIRONMENT"));
        return new PayflowConfig(
                environment,
                integer(env, "PAYFLOW_GRPC_PORT", 9090),
                integer(env, "PAYFLOW_HTTP_PORT", 8080),
                integer(env, "PAYFLOW_MANAGEMENT_PORT", 9464),
                text(env, "PAYFLOW_DATABASE_URL"),
                text(env, "PAYFLOW_DATABASE_USER"),
                text(env, "PAYFLOW_DATABASE_PASSWORD"),
                Path.of(text(env, "PAYFLOW_DATA_DIR").orElse("./data")),
                text(env, "PAYFLOW_ADMIN_TOKEN"),
                integer(env, "PAYFLOW_DATABASE_POOL_SIZE", DATABASE_POOL_SIZE_DEFAULT),
                Duration.ofMillis(integer(env, "PAYFLOW_DATABASE_LOCK_TIMEOUT_MS", (int) DATABASE_LOCK_TIMEOUT_DEFAULT.toMillis())),
                integer(env, "PAYFLOW_HOLD_EXPIRY_INTERVAL_MS", (int) HOLD_EXPIRY_INTERVAL_MS_DEFAULT),
                text(env, "PAYFLOW_ADMIN_PORT").isPresent()
                        ? OptionalInt.of(integer(env, "PAYFLOW_ADMIN_PORT", 0)) : OptionalInt.empty(),
                bool(env, "PAYFLOW_DOC_SERVICE_ENABLED", environment != DeploymentEnvironment.PRODUCTION),
                StripeConfig.fromEnvironment(env, environment),
                WebhookConfig.fromEnvironment(env),
                ConnectConfig.fromEnvironment(env, environment),
                PayoutConfig.fromEnvironment(env),
                TrafficConfig.fromEnvironment(env),
                GroupCommitConfig.fromEnvironment(env),
                ConsoleConfig.fromEnvironment(env),
                RetentionConfig.fromEnvironment(env),
                ReconciliationConfig.fromEnvironment(env),
                PayPalConfig.fromEnvironment(env, environment),
                ApiKeyCacheConfig.fromEnvironment(env));
    }

    /** This configuration with other webhook settings (tests shorten the timeout or stop the worker). */
    public PayflowConfig withWebhooks(WebhookConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, other, connect, payouts, traffic, groupCommit, console, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other Stripe settings (tests point it at a fake Stripe). */
    public PayflowConfig withStripe(StripeConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, other, webhooks, connect, payouts, traffic, groupCommit, console, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other Connect settings (tests set the public base URL or OAuth's). */
    public PayflowConfig withConnect(ConnectConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, other, payouts, traffic, groupCommit, console, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other payout settings (tests shorten the simulated bank's delay). */
    public PayflowConfig withPayouts(PayoutConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, other, traffic, groupCommit, console, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other traffic settings (tests lower the limits or turn the call log off). */
    public PayflowConfig withTraffic(TrafficConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, other, groupCommit, console, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other group commit settings (the benchmark and tests compare on and off). */
    public PayflowConfig withGroupCommit(GroupCommitConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, traffic, other, console, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other console settings (tests fix the session secret and the first admin). */
    public PayflowConfig withConsole(ConsoleConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, traffic, groupCommit, other, retention, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other retention settings (tests run the job when their clock says so). */
    public PayflowConfig withRetention(RetentionConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, traffic, groupCommit, console, other, reconciliation, paypal, apiKeyCache);
    }

    /** This configuration with other reconciliation settings (tests run the worker's steps themselves, on their clock). */
    public PayflowConfig withReconciliation(ReconciliationConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, traffic, groupCommit, console, retention, other, paypal, apiKeyCache);
    }

    /** This configuration with other PayPal settings (tests point it at a fake PayPal). */
    public PayflowConfig withPayPal(PayPalConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, traffic, groupCommit, console, retention, reconciliation, other, apiKeyCache);
    }

    /** This configuration with other API key cache settings (tests turn it off, or shorten its maximum age). */
    public PayflowConfig withApiKeyCache(ApiKeyCacheConfig other) {
        return new PayflowConfig(environment, grpcPort, httpPort, managementPort, databaseUrl, databaseUser, databasePassword, dataDir, adminToken,
                databasePoolSize, databaseLockTimeout, holdExpiryIntervalMs, adminPort, docServiceEnabled, stripe, webhooks, connect, payouts, traffic, groupCommit, console, retention, reconciliation, paypal, other);
    }

    public boolean isProduction() {
        return environment == DeploymentEnvironment.PRODUCTION;
    }

    private static DeploymentEnvironment environment(String value) {
        if (value == null || value.isBlank()) {
            return DeploymentEnvironment.DEVELOPMENT;
        }
        try {
            return DeploymentEnvironment.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PAYFLOW_ENVIRONMENT: '" + value + "' (expected: development or production)");
        }
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        Optional<String> value = text(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.get());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + ": '" + value.get() + "' (expected: an integer)");
        }
    }

    private static boolean bool(Map<String, String> env, String name, boolean fallback) {
        Optional<String> value = text(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(name + ": '" + value.get() + "' (expected: true or false)");
        };
    }

    private static void requirePort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new ConfigException(name + ": " + port + " (expected: 0..65535, 0 for any free port)");
        }
    }

    /** A configuration the service cannot start with; the message says which variable and why. */
    public static final class ConfigException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }
}
