package dev.payflow.core.server;

import dev.payflow.core.api.CallLog;
import dev.payflow.core.api.PayflowApi;
import dev.payflow.core.api.TrafficControls;
import dev.payflow.core.app.KeyUsage;
import dev.payflow.core.config.TrafficConfig;
import dev.payflow.core.persistence.ApiKeyUsageRepository;
import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.Credits;
import dev.payflow.core.app.Debits;
import dev.payflow.core.app.HoldExpiry;
import dev.payflow.core.app.Holds;
import dev.payflow.core.app.PaymentMethods;
import dev.payflow.core.app.Payments;
import dev.payflow.core.app.PaymentRecovery;
import dev.payflow.core.app.StripeWebhooks;
import dev.payflow.core.persistence.GatewayEventRepository;
import dev.payflow.core.config.StripeConfig;
import dev.payflow.core.gateway.PaymentProvider;
import dev.payflow.core.gateway.PaymentProviders;
import dev.payflow.core.gateway.SimulatedPayments;
import dev.payflow.core.gateway.StripePayments;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import dev.payflow.core.persistence.PaymentMethodRepository;
import dev.payflow.core.persistence.PaymentRepository;
import dev.payflow.core.app.Transfers;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.Services;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.app.WalletManagement;
import dev.payflow.core.config.PayflowConfig;
import dev.payflow.core.config.WebhookConfig;
import dev.payflow.core.config.ConsoleConfig;
import dev.payflow.core.app.Adjustments;
import dev.payflow.core.app.AuditTrail;
import dev.payflow.core.app.OperatorAdministration;
import dev.payflow.core.app.OperatorSessions;
import dev.payflow.core.app.PasswordHasher;
import dev.payflow.core.app.PersonalDataDigests;
import dev.payflow.core.persistence.AdjustmentRepository;
import dev.payflow.core.persistence.AuditLogRepository;
import dev.payflow.core.persistence.OperatorRepository;
import dev.payflow.core.api.LedgerEventJson;
import dev.payflow.core.api.PaymentEventJson;
import dev.payflow.core.persistence.WebhookRepository;
import dev.payflow.core.webhook.EncryptionKeyFile;
import dev.payflow.core.webhook.LedgerEvents;
import dev.payflow.core.webhook.PartnerEvents;
import dev.payflow.core.webhook.PaymentEvents;
import dev.payflow.core.webhook.SecretBox;
import dev.payflow.core.webhook.UrlGuard;
import dev.payflow.core.webhook.WebhookDelivery;
import dev.payflow.core.webhook.WebhookEndpoints;
import dev.payflow.core.webhook.WebhookEvents;
import dev.payflow.core.webhook.WebhookSender;
import java.time.Duration;
import dev.payflow.core.domain.Text;
import dev.payflow.core.gateway.GatewayRegistry;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.EmbeddedDatabase;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.BlockingTaskExecutor;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.payflow.facade.Listeners;
import dev.payflow.facade.RestApi;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service in one process, on Armeria: the gRPC listener (with health and reflection),
 * the public REST listener (Armeria's transcoding of the same services, in process), the admin
 * listener (the same as REST in development unless {@code PAYFLOW_ADMIN_PORT} is set), the
 * management listener, and the database (embedded in development). {@link #close()} drains
 * in-flight calls before it stops the database.
 */
public final class PayflowServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PayflowServer.class);
    /** Worker threads for RPCs: a few more than database connections, so calls that need none (auth failures) still flow. */
    private static final int RPC_THREADS = 32;
    /** Scrapes and probes are rare and cheap; two threads keep one slow scrape from blocking a probe. */
    private static final int MANAGEMENT_THREADS = 2;
    /**
     * How often the database is checked for /health and /ready: probes then answer at once from the
     * last result, at most this old, instead of queueing for a connection behind a busy API.
     */
    private static final long HEALTH_CHECK_INTERVAL_MS = 1_000;
    /** Where the API browser lives on the admin listener. */
    static final String DOC_SERVICE_PATH = "/admin/docs/";
    private static final String DATABASE_NAME = "payflow";
    /** Waiting gateway events and open payments are looked at twice a minute: each run is a bounded batch. */
    private static final long PAYMENT_WORKERS_INTERVAL_MS = 30_000;
    /**
     * Payouts whose next step is due are looked for every two seconds, so a simulated payout is
     * paid within two seconds of its arrival; a run with nothing due is one indexed query.
     */
    private static final long PAYOUT_WORKER_INTERVAL_MS = 2_000;

    /** Each replica writes its keys' usage counts this often: one upsert per key used meanwhile. */
    private static final long KEY_USAGE_FLUSH_MS = 10_000;

    private final List<AutoCloseable> toCloseLast = new ArrayList<>();
    private LedgerEngine ledgerEngine;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String adminToken;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean databaseReachable = new AtomicBoolean();
    private ScheduledExecutorService databaseCheck;
    private Server grpcServer;
    private Server restServer;
    private Server adminServer;
    private Server managementServer;
    private HealthStatusManager health;
    private BlockingTaskExecutor rpcExecutor;
    private Database database;
    private HoldExpiry holdExpiry;
    private dev.payflow.core.app.Retention retention;
    private ScheduledExecutorService retentionWorker;
    private dev.payflow.core.app.Reconciliation reconciliation;
    private ScheduledExecutorService reconciliationWorker;
    private StripeWebhooks stripeWebhooks;
    private dev.payflow.core.app.PayPalWebhooks paypalWebhooks;
    private PaymentRecovery paymentRecovery;
    private dev.payflow.core.app.Payouts payouts;
    private ScheduledExecutorService workers;
    private ScheduledExecutorService webhookWorker;
    private WebhookDelivery webhookDelivery;
    private WebhookSender webhookSender;
    private KeyUsage keyUsage;
    private ScheduledExecutorService keyUsageWorker;
    private dev.payflow.core.app.ApiKeyCache apiKeyCache = dev.payflow.core.app.ApiKeyCache.disabled();
    private dev.payflow.core.persistence.ApiKeyChangeListener apiKeyChangeListener;

    private PayflowServer(String adminToken) {
        this.adminToken = adminToken;
    }

    public static PayflowServer start(PayflowConfig config) {
        return start(config, Services.system());
    }

    public static PayflowServer start(PayflowConfig configured, Services services) {
        return start(configured, services, UrlGuard.HostResolver.SYSTEM);
    }

    /** @param resolver how webhook URLs' hosts are looked up (tests make names resolve where they need) */
    public static PayflowServer start(PayflowConfig configured, Services services, UrlGuard.HostResolver resolver) {
        PayflowConfig config = configured;
        String adminToken = config.adminToken().orElseGet(() -> {
            String generated = Text.randomBase62(services.random(), 43);
            // Printed once, on purpose: in development this is the only way to learn it.
            System.out.println("PAYFLOW_ADMIN_TOKEN was not set; this run's development admin token is: " + generated);
            return generated;
        });
        PayflowServer server = new PayflowServer(adminToken);
        try {
            server.startAll(config, services, resolver);
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void startAll(PayflowConfig config, Services services, UrlGuard.HostResolver resolver) {
        database = connectDatabase(config);
        database.migrate();

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        toCloseLast.add(new ServiceMeters(meters, databaseReachable::get, () -> !draining.get() && databaseReachable.get()));
        database.bindMetrics(meters);

        PartnerRepository partnerRepository = new PartnerRepository();
        ApiKeyRepository apiKeyRepository = new ApiKeyRepository();
        WalletRepository walletRepository = new WalletRepository();
        LedgerRepository ledgerRepository = new LedgerRepository();
        HoldRepository holdRepository = new HoldRepository();
        WebhookRepository webhookRepository = new WebhookRepository();
        // Every booking writes its partner events in its own transaction (the outbox).
        PartnerEvents partnerEvents = new PartnerEvents(services.clock(), services.ids(), webhookRepository);
        LedgerEvents ledgerEvents = new LedgerEvents(partnerEvents, new LedgerEventJson());
        LedgerEngine ledgerEngine = new LedgerEngine(database, services.clock(), services.ids(), walletRepository, ledgerRepository,
                holdRepository, new IdempotencyRepository(), new SystemAccountRepository(),
                ledgerEvents.andThen(new dev.payflow.core.ledger.LedgerMeters(meters)), config.groupCommit());
        this.ledgerEngine = ledgerEngine;
        WebhookConfig webhookConfig = config.webhooks();
        byte[] encryptionKey = webhookConfig.encryptionKey()
                .orElseGet(() -> EncryptionKeyFile.loadOrCreate(config.dataDir().toAbsolutePath(), services.random()));
        SecretBox secretBox = SecretBox.of(encryptionKey);
        UrlGuard urlGuard = new UrlGuard(resolver, config.isProduction());
        WebhookEndpoints webhookEndpoints = new WebhookEndpoints(database, services, webhookRepository, secretBox, urlGuard);
        webhookSender = new WebhookSender(Duration.ofMillis(webhookConfig.requestTimeoutMs()));
        webhookDelivery = new WebhookDelivery(database, services, webhookRepository, webhookEndpoints, urlGuard, webhookSender,
                Duration.ofMillis(webhookConfig.requestTimeoutMs()), webhookConfig.deliveryThreads(), webhookConfig.endpointConcurrency(), meters);
        // One circuit breaker per Stripe mode, on the service's clock, with its state in the metrics.
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(StripePayments.breakerConfig(services.clock()));
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
        providerCircuitGauges(breakers, meters);
        PaymentProviders paymentProviders = paymentProviders(config.stripe(), breakers)
                .with(payPal(config.paypal(), false, breakers), payPal(config.paypal(), true, breakers))
                .metered(meters);
        Payments payments = new Payments(database, services, ledgerEngine, paymentProviders, new PaymentRepository(),
                walletRepository, partnerRepository, ledgerRepository, new IdempotencyRepository(),
                new PaymentEvents(partnerEvents, new PaymentEventJson()),
                new dev.payflow.core.webhook.ConnectEvents(partnerEvents, new dev.payflow.core.api.ConnectEventJson())).countingStatusChangesIn(meters);
        paymentRecovery = new PaymentRecovery(database, services, new PaymentRepository(), payments,
                java.time.Duration.ofMillis(config.stripe().recoveryAfterMs())).countingStuckIn(meters);
        java.util.function.Supplier<String> publicBaseUrl = () -> config.connect().publicBaseUrlOr(httpPort());
        dev.payflow.core.app.ConnectAccounts connectAccounts = new dev.payflow.core.app.ConnectAccounts(database, services,
                connectProviders(config.stripe(), config.connect(), breakers, publicBaseUrl, services), new dev.payflow.core.persistence.ConnectedAccountRepository(),
                new dev.payflow.core.webhook.ConnectEvents(partnerEvents, new dev.payflow.core.api.ConnectEventJson()), publicBaseUrl);
        stripeWebhooks = new StripeWebhooks(database, services, StripeWebhooks.signatures(config.stripe().webhookSecretsTest(),
                config.stripe().webhookSecretsLive()), new GatewayEventRepository(), new PaymentRepository(), payments, connectAccounts);
        payouts = new dev.payflow.core.app.Payouts(database, services, ledgerEngine, payoutProviders(config, breakers, services),
                new dev.payflow.core.persistence.PayoutRepository(), new dev.payflow.core.persistence.ConnectedAccountRepository(),
                new dev.payflow.core.webhook.PayoutEvents(partnerEvents, new dev.payflow.core.api.PayoutEventJson()),
                java.time.Duration.ofMillis(config.stripe().recoveryAfterMs()));
        stripeWebhooks.withPayouts(new dev.payflow.core.app.StripePayoutEvents(payouts));
        dev.payflow.core.app.WebhookSignatureFailures signatureFailures = dev.payflow.core.app.WebhookSignatureFailures.in(meters);
        paypalWebhooks = new dev.payflow.core.app.PayPalWebhooks(database, services, new GatewayEventRepository(), new PaymentRepository(), payments,
                paymentProviders, config.paypal().webhookIdTest(), config.paypal().webhookIdLive(), signatureFailures);
        stripeWebhooks.countingSignatureFailures(signatureFailures);
        if (config.apiKeyCache().enabled()) {
            // One connection of its own hears every replica's changes to keys and partners; until it listens, the cache is bypassed.
            apiKeyCache = dev.payflow.core.app.ApiKeyCache.of(services.clock(), Duration.ofMillis(config.apiKeyCache().maxAgeMs()), meters);
            apiKeyChangeListener = dev.payflow.core.persistence.ApiKeyChangeListener.start(
                    dev.payflow.core.persistence.ApiKeyChangeListener.dedicatedTo(database), apiKeyCache);
        }
        PartnerAdministration partnerAdministration = new PartnerAdministration(database, services, partnerRepository, !config.isProduction(),
                apiKeyCache);
        PayflowApi.UseCases useCases = new PayflowApi.UseCases(
                partnerAdministration,
                new ApiKeyAdministration(database, services, partnerRepository, apiKeyRepository, apiKeyCache),
                new SystemStatistics(database, services, partnerRepository, apiKeyRepository, walletRepository, ledgerRepository,
                        new dev.payflow.core.persistence.StatisticsRepository(), webhookRepository, () -> circuitStates(breakers)),
                new WalletManagement(database, services, walletRepository, ledgerRepository, holdRepository),
                new Credits(ledgerEngine, GatewayRegistry.sandboxOnly()),
                new Debits(ledgerEngine),
                new Transfers(ledgerEngine, new dev.payflow.core.app.TransferBatches(database, services, ledgerEngine, new IdempotencyRepository(),
                        ledgerRepository, new dev.payflow.core.persistence.TransferBatchRepository())),
                new Holds(database, services, ledgerEngine, holdRepository, walletRepository),
                new LedgerQueries(database, walletRepository, ledgerRepository),
                new Authenticator(database, apiKeyRepository, adminToken, services.clock(), apiKeyCache),
                payments,
                stripeWebhooks,
                webhookEndpoints,
                new WebhookEvents(database, webhookRepository, webhookDelivery),
                connectAccounts,
                payouts,
                new PaymentMethods(database, services, paymentProviders, new PaymentMethodRepository()),
                paypalWebhooks);
        holdExpiry = new HoldExpiry(database, services, ledgerEngine, holdRepository);
        keyUsage = new KeyUsage(database, new ApiKeyUsageRepository(), services.clock());
        TrafficConfig traffic = config.traffic();
        retention = new dev.payflow.core.app.Retention(database, services, new dev.payflow.core.persistence.RetentionRepository(),
                config.retention().walletYearsAfterClosing());
        List<ServerServiceDefinition> apiServices = PayflowApi.services(useCases,
                Optional.of(console(config, services, ledgerEngine, encryptionKey, useCases.wallets(), reconciliation(config, services, breakers, meters))),
                meters, services.random(),
                new TrafficControls(traffic.callLog() ? CallLog.toStandardOutput() : CallLog.OFF,
                        partnerId -> partnerAdministration.get(partnerId).settings(), keyUsage, traffic.rateLimitPerSecond(),
                        traffic.rateLimitBurst(), traffic.replicas(), traffic.authFailuresPerMinute(), services.clock()));

        // The services block on the database: they run on these threads, never on an event loop.
        rpcExecutor = BlockingTaskExecutor.builder().numThreads(RPC_THREADS).threadNamePrefix("payflow-rpc").build();
        health = new HealthStatusManager();
        for (ServerServiceDefinition service : apiServices) {
            health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING);
        }
        GrpcService grpc = GrpcService.builder()
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addServiceDefinitions(apiServices)
                .useBlockingTaskExecutor(true)
                .enableUnframedRequests(false)
                .maxRequestMessageLength(Listeners.GRPC_REQUEST_BYTES_MAX)
                .build();
        grpcServer = start(Listeners.grpc(Server.builder().http(config.grpcPort()))
                .blockingTaskExecutor(rpcExecutor, false)
                .service(grpc));

        ServerBuilder rest = Listeners.rest(Server.builder().http(config.httpPort())).blockingTaskExecutor(rpcExecutor, false)
                .decorator(RestMeters.decorator(meters, config.adminPort().isPresent() ? "rest" : "rest+admin"));
        ConnectPages.mountOn(rest, connectAccounts);
        if (config.adminPort().isPresent()) {
            RestApi.over(apiServices).mountOn(rest, RestApi.PUBLIC_PATHS);
            ServerBuilder admin = Listeners.rest(Server.builder().http(config.adminPort().getAsInt()))
                    .blockingTaskExecutor(rpcExecutor, false).decorator(RestMeters.decorator(meters, "admin"));
            RestApi.over(apiServices).mountOn(admin, RestApi.ADMIN_PATHS);
            addDocService(admin, config);
            addConsole(admin);
            restServer = start(rest);
            adminServer = start(admin);
        } else {
            // Development: one listener for the public and the admin API.
            RestApi.over(apiServices).mountOn(rest, List.of());
            addDocService(rest, config);
            addConsole(rest);
            restServer = start(rest);
            adminServer = restServer;
        }
        // Probes read the last check instead of waiting for a pool connection behind a saturated API.
        databaseCheck = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "payflow-health");
            thread.setDaemon(true);
            return thread;
        });
        databaseReachable.set(database.isReachable());
        databaseCheck.scheduleWithFixedDelay(() -> databaseReachable.set(database.isReachable()),
                HEALTH_CHECK_INTERVAL_MS, HEALTH_CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
        managementServer = start(management(config.managementPort(), meters, databaseReachable::get));
        if (config.holdExpiryIntervalMs() > 0) {
            workers = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "payflow-hold-expiry");
                thread.setDaemon(true);
                return thread;
            });
            workers.scheduleWithFixedDelay(this::releaseExpiredHolds, config.holdExpiryIntervalMs(), config.holdExpiryIntervalMs(),
                    TimeUnit.MILLISECONDS);
            // Payments and gateway events whose outcome is open, on the same worker thread (the hold-expiry switch turns all off).
            workers.scheduleWithFixedDelay(this::settleOpenPayments, PAYMENT_WORKERS_INTERVAL_MS, PAYMENT_WORKERS_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
            workers.scheduleWithFixedDelay(this::advanceDuePayouts, PAYOUT_WORKER_INTERVAL_MS, PAYOUT_WORKER_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
        }
        keyUsageWorker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "payflow-key-usage");
            thread.setDaemon(true);
            return thread;
        });
        keyUsageWorker.scheduleWithFixedDelay(this::flushKeyUsage, KEY_USAGE_FLUSH_MS, KEY_USAGE_FLUSH_MS, TimeUnit.MILLISECONDS);
        if (config.retention().intervalMs() > 0) {
            retentionWorker = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "payflow-retention");
                thread.setDaemon(true);
                return thread;
            });
            retentionWorker.scheduleWithFixedDelay(this::applyRetention, config.retention().intervalMs(), config.retention().intervalMs(),
                    TimeUnit.MILLISECONDS);
        }
        if (config.reconciliation().intervalMs() > 0) {
            reconciliationWorker = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "payflow-reconciliation");
                thread.setDaemon(true);
                return thread;
            });
            // A run started through the API begins at once on this replica; the tick starts the daily run and takes over runs left by others.
            reconciliation.whenQueued(() -> reconciliationWorker.execute(this::reconcileDue));
            reconciliationWorker.scheduleWithFixedDelay(this::reconcileDue, config.reconciliation().intervalMs(),
                    config.reconciliation().intervalMs(), TimeUnit.MILLISECONDS);
        }
        if (webhookConfig.pollIntervalMs() > 0) {
            webhookWorker = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "payflow-webhook-dispatch");
                thread.setDaemon(true);
                return thread;
            });
            // Up to ten poll intervals a run, then the gauges are fresh and the next run starts a poll interval later.
            Duration run = Duration.ofMillis(webhookConfig.pollIntervalMs()).multipliedBy(10);
            webhookWorker.scheduleWithFixedDelay(() -> dispatchWebhooks(run), webhookConfig.pollIntervalMs(), webhookConfig.pollIntervalMs(),
                    TimeUnit.MILLISECONDS);
        }
        LOG.info("PayFlow is up ({}): gRPC on {}, REST on {}, admin on {}, management on {}",
                config.environment().name().toLowerCase(java.util.Locale.ROOT),
                grpcPort(), httpPort(), adminPort(), managementPort());
    }

    /**
     * The admin console's use cases, and its first admin. The audit trail's digest key is derived
     * from the encryption key (which every deployment keeps and never rotates lightly), so digests
     * of the same address stay comparable across restarts.
     */
    private PayflowApi.Console console(PayflowConfig config, Services services, LedgerEngine ledgerEngine, byte[] encryptionKey,
            WalletManagement walletManagement, dev.payflow.core.app.Reconciliation reconciliation) {
        ConsoleConfig console = config.console();
        // Development without a secret: a fresh one per run, so console sessions end when the process does.
        String sessionSecret = console.sessionSecret().orElseGet(() -> Text.randomBase62(services.random(), 43));
        PersonalDataDigests digests = new PersonalDataDigests(PersonalDataDigests.derive(encryptionKey, "audit digests"));
        OperatorRepository operatorRepository = new OperatorRepository();
        PasswordHasher passwords = new PasswordHasher();
        OperatorSessions sessions = new OperatorSessions(database, services, operatorRepository, passwords, digests, sessionSecret);
        OperatorAdministration operators = new OperatorAdministration(database, services, operatorRepository, passwords, sessions);
        bootstrapAdmin(config, services, operators);
        return new PayflowApi.Console(sessions, operators, new AuditTrail(database, services, new AuditLogRepository(), digests),
                new Adjustments(database, services, ledgerEngine, new AdjustmentRepository()),
                new dev.payflow.core.app.WalletSupervision(database, walletManagement, new AdjustmentRepository()), config.isProduction(),
                services.clock(), reconciliation);
    }

    /** The first admin, from PAYFLOW_BOOTSTRAP_ADMIN_*; in development with a generated password, printed once, when it is created. */
    private static void bootstrapAdmin(PayflowConfig config, Services services, OperatorAdministration operators) {
        ConsoleConfig console = config.console();
        if (config.isProduction() && console.bootstrapAdminEmail().isPresent() && console.bootstrapAdminPassword().isEmpty()) {
            throw new PayflowConfig.ConfigException("PAYFLOW_BOOTSTRAP_ADMIN_PASSWORD is required with PAYFLOW_BOOTSTRAP_ADMIN_EMAIL in production");
        }
        if (config.isProduction() && console.bootstrapAdminEmail().isEmpty()) {
            return;
        }
        String email = console.bootstrapAdminEmail().orElse(ConsoleConfig.DEVELOPMENT_ADMIN_EMAIL);
        if (console.bootstrapAdminPassword().isPresent()) {
            operators.bootstrapAdmin(email, console.bootstrapAdminPassword().get());
        } else if (!operators.exists(email)) {
            String generated = Text.randomBase62(services.random(), 24);
            if (operators.bootstrapAdmin(email, generated)) {
                // Printed once, on purpose: in development this is the only way to learn it.
                System.out.println("The first console admin is " + email + "; this development password is shown once: " + generated);
            }
        }
    }

    /** PayPal in a mode whose client id and secret are configured, on a circuit breaker of its own ({@code paypal-test}, {@code paypal-live}). */
    private static Optional<PaymentProvider> payPal(dev.payflow.core.config.PayPalConfig paypal, boolean live, CircuitBreakerRegistry breakers) {
        Optional<String> clientId = live ? paypal.clientIdLive() : paypal.clientIdTest();
        Optional<String> secret = live ? paypal.clientSecretLive() : paypal.clientSecretTest();
        return clientId.map(id -> new dev.payflow.core.gateway.PayPalPayments(id, secret.orElseThrow(), live, paypal.apiBase(),
                paypal.settlementCurrencies(), breakers.circuitBreaker(live ? "paypal-live" : "paypal-test")));
    }

    /** Stripe in each mode whose secret key is configured; otherwise the simulated gateway in sandbox and none in production. */
    private static PaymentProviders paymentProviders(StripeConfig stripe, CircuitBreakerRegistry breakers) {
        PaymentProvider sandbox = stripe.secretKeyTest()
                .<PaymentProvider>map(key -> new StripePayments(key, stripe.apiBase(), stripe.publishableKeyTest(), stripe.settlementCurrencies(),
                        breakers.circuitBreaker("stripe-test")))
                .orElseGet(SimulatedPayments::new);
        Optional<PaymentProvider> production = stripe.secretKeyLive()
                .map(key -> new StripePayments(key, stripe.apiBase(), stripe.publishableKeyLive(), stripe.settlementCurrencies(),
                        breakers.circuitBreaker("stripe-live")));
        return new PaymentProviders(sandbox, production);
    }

    /**
     * Payouts go through the gateway that holds their connected account: Stripe in each mode whose
     * secret key is configured (on the mode's breaker), and in sandbox always the simulated bank
     * too, for the simulated accounts made while no Stripe test key was configured.
     */
    private static dev.payflow.core.gateway.PayoutProviders payoutProviders(PayflowConfig config, CircuitBreakerRegistry breakers,
            Services services) {
        StripeConfig stripe = config.stripe();
        List<dev.payflow.core.gateway.PayoutProvider> sandbox = new java.util.ArrayList<>();
        sandbox.add(new dev.payflow.core.gateway.SimulatedPayouts(services.clock(),
                java.time.Duration.ofMillis(config.payouts().sandboxPayoutDelayMs())));
        stripe.secretKeyTest().ifPresent(key -> sandbox.add(new dev.payflow.core.gateway.StripePayouts(
                StripePayments.client(key, stripe.apiBase()), breakers.circuitBreaker("stripe-test"))));
        List<dev.payflow.core.gateway.PayoutProvider> production = stripe.secretKeyLive()
                .<List<dev.payflow.core.gateway.PayoutProvider>>map(key -> List.of(new dev.payflow.core.gateway.StripePayouts(
                        StripePayments.client(key, stripe.apiBase()), breakers.circuitBreaker("stripe-live"))))
                .orElse(List.of());
        return new dev.payflow.core.gateway.PayoutProviders(sandbox, production);
    }

    /** Stripe Connect in each mode whose secret key is configured (on the mode's breaker); otherwise simulated in sandbox and none in production. */
    private static dev.payflow.core.gateway.ConnectProviders connectProviders(StripeConfig stripe,
            dev.payflow.core.config.ConnectConfig connect, CircuitBreakerRegistry breakers,
            java.util.function.Supplier<String> publicBaseUrl, Services services) {
        dev.payflow.core.gateway.ConnectProvider sandbox = stripe.secretKeyTest()
                .<dev.payflow.core.gateway.ConnectProvider>map(key -> new dev.payflow.core.gateway.StripeConnect(
                        StripePayments.client(key, stripe.apiBase()), breakers.circuitBreaker("stripe-test"),
                        connect.clientIdTest().map(clientId -> new dev.payflow.core.gateway.StripeOAuth(key, clientId, connectBase(connect)))))
                .orElseGet(() -> new dev.payflow.core.gateway.SimulatedConnect(publicBaseUrl, services.clock()));
        Optional<dev.payflow.core.gateway.ConnectProvider> production = stripe.secretKeyLive()
                .map(key -> new dev.payflow.core.gateway.StripeConnect(StripePayments.client(key, stripe.apiBase()),
                        breakers.circuitBreaker("stripe-live"),
                        connect.clientIdLive().map(clientId -> new dev.payflow.core.gateway.StripeOAuth(key, clientId, connectBase(connect)))));
        return new dev.payflow.core.gateway.ConnectProviders(sandbox, production);
    }

    /** Stripe's Connect base for OAuth, or PAYFLOW_STRIPE_CONNECT_BASE (development only). */
    private static String connectBase(dev.payflow.core.config.ConnectConfig connect) {
        return connect.connectBase().map(base -> base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                .orElse(dev.payflow.core.gateway.StripeOAuth.CONNECT_BASE);
    }

    /** Where the console's static files live in the jar. */
    private static final String CONSOLE_RESOURCES = "dev/payflow/console/";

    /**
     * The admin console: static files from the jar under {@code /admin} (exact routes, so the API
     * browser under {@code /admin/docs/} keeps its own), each with a content security policy that
     * allows nothing but this origin's own files. On the admin listener only; the console calls
     * {@code /api/admin} and {@code /api/csrf-token} on the same listener.
     */
    /** Chart.js's self-contained bundle, from its webjar (core-service's pom names the version). */
    static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";

    private static void addConsole(ServerBuilder admin) {
        ClassLoader loader = PayflowServer.class.getClassLoader();
        admin.service("/admin", (ctx, req) -> HttpResponse.ofRedirect("/admin/"));
        for (String[] file : new String[][] {{"/admin/", CONSOLE_RESOURCES + "index.html"}, {"/admin/console.js", CONSOLE_RESOURCES + "console.js"},
                {"/admin/console.css", CONSOLE_RESOURCES + "console.css"}, {"/admin/dashboard.js", CONSOLE_RESOURCES + "dashboard.js"},
                {"/admin/operations.js", CONSOLE_RESOURCES + "operations.js"},
                {"/admin/vendor/chart.umd.js", CHART_JS}}) {
            admin.service(file[0], com.linecorp.armeria.server.file.HttpFile.of(loader, file[1]).asService()
                    .decorate((delegate, ctx, req) -> {
                        ctx.mutateAdditionalResponseHeaders(headers -> headers
                                .set("content-security-policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
                                .set("x-content-type-options", "nosniff")
                                .set("referrer-policy", "no-referrer")
                                .set("cache-control", "no-cache"));
                        return delegate.serve(ctx, req);
                    }));
        }
    }

    /** Armeria's API browser: every RPC listed, with a form to try it. On the admin listener only. */
    private static void addDocService(ServerBuilder admin, PayflowConfig config) {
        if (config.docServiceEnabled()) {
            admin.serviceUnder(DOC_SERVICE_PATH, DocService.builder().build());
        }
    }

    /**
     * The management listener: {@code /metrics} for Prometheus, {@code /health} for load balancers
     * and Kubernetes probes (200 when the last database check, at most a second old, succeeded; 503 otherwise), {@code /ready} (as
     * /health, and 503 once shutdown has begun). Its own threads, so a saturated API cannot delay a
     * probe.
     */
    private ServerBuilder management(int port, PrometheusMeterRegistry meters, BooleanSupplier databaseReachable) {
        return Listeners.management(Server.builder().http(port))
                .blockingTaskExecutor(MANAGEMENT_THREADS)
                .service("/metrics", (ctx, req) -> onBlockingThread(ctx, () -> HttpResponse.of(HttpStatus.OK,
                        MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), meters.scrape())))
                .service("/health", (ctx, req) -> status(databaseReachable.getAsBoolean()))
                .service("/ready", (ctx, req) -> status(!draining.get() && databaseReachable.getAsBoolean()));
    }

    private static HttpResponse status(boolean up) {
        return HttpResponse.of(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, MediaType.JSON,
                up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    private static HttpResponse onBlockingThread(ServiceRequestContext ctx, java.util.function.Supplier<HttpResponse> response) {
        return HttpResponse.of(CompletableFuture.supplyAsync(response, ctx.blockingTaskExecutor()));
    }

    private static Server start(ServerBuilder builder) {
        Server server = builder.build();
        server.start().join();
        return server;
    }

    private Database connectDatabase(PayflowConfig config) {
        Optional<String> url = config.databaseUrl();
        if (url.isPresent()) {
            return Database.connect(url.get(), config.databaseUser().orElse(null), config.databasePassword().orElse(null), config.databasePoolSize(),
                    config.databaseLockTimeout());
        }
        EmbeddedDatabase embedded = EmbeddedDatabase.start(config.dataDir().toAbsolutePath().resolve("postgres"), true);
        toCloseLast.add(embedded);
        embedded.createDatabaseIfMissing(DATABASE_NAME);
        LOG.info("using the embedded PostgreSQL on port {} with data in {}", embedded.port(), config.dataDir().toAbsolutePath());
        return Database.connect(embedded.jdbcUrl(DATABASE_NAME), embedded.user(), null, config.databasePoolSize(), config.databaseLockTimeout());
    }

    public int grpcPort() {
        return grpcServer.activeLocalPort();
    }

    public int httpPort() {
        return restServer.activeLocalPort();
    }

    /** The admin listener's port: the REST port unless {@code PAYFLOW_ADMIN_PORT} is set. */
    public int adminPort() {
        return adminServer.activeLocalPort();
    }

    public int managementPort() {
        return managementServer.activeLocalPort();
    }

    public String adminToken() {
        return adminToken;
    }

    public Database database() {
        return database;
    }

    /** The authenticator's key cache (tests wait for it to serve, or check that it is bypassed). */
    public dev.payflow.core.app.ApiKeyCache apiKeyCache() {
        return apiKeyCache;
    }

    /** The hold-expiry worker, for tests that run it at a moment of their choosing. */
    public HoldExpiry holdExpiry() {
        return holdExpiry;
    }

    /** The retention job, for tests that run it when their clock says so. */
    public dev.payflow.core.app.Retention retention() {
        return retention;
    }

    /**
     * Reconciliation with Stripe in each mode whose secret key is configured, on the mode's client
     * settings and circuit breaker (shared with payments, Connect and payouts).
     */
    private dev.payflow.core.app.Reconciliation reconciliation(PayflowConfig config, Services services, CircuitBreakerRegistry breakers,
            io.micrometer.core.instrument.MeterRegistry meters) {
        StripeConfig stripe = config.stripe();
        java.util.Map<Boolean, dev.payflow.core.gateway.StripeReconciliation> readers = new java.util.HashMap<>();
        stripe.secretKeyTest().ifPresent(key -> readers.put(false, new dev.payflow.core.gateway.StripeReconciliation(
                StripePayments.client(key, stripe.apiBase()), breakers.circuitBreaker("stripe-test"))));
        stripe.secretKeyLive().ifPresent(key -> readers.put(true, new dev.payflow.core.gateway.StripeReconciliation(
                StripePayments.client(key, stripe.apiBase()), breakers.circuitBreaker("stripe-live"))));
        reconciliation = new dev.payflow.core.app.Reconciliation(database, services, ledgerEngine,
                new dev.payflow.core.persistence.ReconciliationRepository(), readers, config.reconciliation().daily(),
                java.time.Duration.ofMillis(config.reconciliation().dailyAfterMs()), meters);
        return reconciliation;
    }

    /** Reconciliation with Stripe (tests start the daily run and do the queued runs themselves, on their clock). */
    public dev.payflow.core.app.Reconciliation reconciliation() {
        return reconciliation;
    }

    private void reconcileDue() {
        try {
            reconciliation.scheduleDaily();
            reconciliation.runDue();
        } catch (RuntimeException e) {
            // A failing tick must not cancel the schedule (scheduleWithFixedDelay stops a task that throws).
            LOG.error("reconciliation worker failed", e);
        }
    }

    private void applyRetention() {
        try {
            int redacted = retention.redactDue();
            if (redacted > 0) {
                LOG.info("retention: redacted the personal data of {} closed wallets", redacted);
            }
        } catch (RuntimeException e) {
            // Retried on the next tick: each batch commits on its own.
            LOG.error("retention run failed", e);
        }
    }

    /** Recovery of payments left open, for tests that run it when their clock says so. */
    public PaymentRecovery paymentRecovery() {
        return paymentRecovery;
    }

    private void settleOpenPayments() {
        try {
            stripeWebhooks.applyWaiting();
            try {
                paypalWebhooks.applyWaiting();
            } catch (RuntimeException e) {
                // PayPal's waiting events never hold up recovery: it reads the same orders anyway.
                LOG.error("applying waiting PayPal events failed", e);
            }
            paymentRecovery.recoverDue();
        } catch (RuntimeException e) {
            // Logged and retried on the next tick: each step commits only what it finished.
            LOG.error("payment recovery run failed", e);
        }
    }

    private void advanceDuePayouts() {
        try {
            payouts.advanceDue();
        } catch (RuntimeException e) {
            // Logged and retried on the next tick: each step commits only what it finished.
            LOG.error("payout worker run failed", e);
        }
    }

    /** Payouts, for tests that run the payout worker ({@code advanceDue}) when their clock says so. */
    public dev.payflow.core.app.Payouts payouts() {
        return payouts;
    }

    /** The Stripe webhook intake, for tests that apply waiting events at a moment of their choosing. */
    public StripeWebhooks stripeWebhooks() {
        return stripeWebhooks;
    }

    /** PayPal's webhook intake, for tests that apply waiting events when their clock says so. */
    public dev.payflow.core.app.PayPalWebhooks paypalWebhooks() {
        return paypalWebhooks;
    }


    /** The partner webhook delivery worker, for tests that run it at a moment of their choosing. */
    public WebhookDelivery webhookDelivery() {
        return webhookDelivery;
    }

    private void dispatchWebhooks(Duration run) {
        try {
            webhookDelivery.dispatchUntilIdle(run);
        } catch (RuntimeException e) {
            // Logged and retried on the next tick: a claim that did not commit claimed nothing.
            LOG.error("webhook dispatch run failed", e);
        }
    }

    /** Per-key usage counts, for tests that flush them at a moment of their choosing. */
    public KeyUsage keyUsage() {
        return keyUsage;
    }

    private void flushKeyUsage() {
        try {
            keyUsage.flush();
        } catch (RuntimeException e) {
            // The counts stay buffered for the next flush.
            LOG.warn("key usage flush failed: {}", e.toString());
        }
    }

    private void releaseExpiredHolds() {
        try {
            holdExpiry.releaseDue();
        } catch (RuntimeException e) {
            // Logged and retried on the next tick: a failed run released nothing it did not commit.
            LOG.error("hold expiry run failed", e);
        }
    }

    public void awaitTermination() throws InterruptedException {
        grpcServer.whenClosed().join();
    }

    /** Stops taking calls, lets in-flight ones finish (bounded), then stops the database. Safe to call twice. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        draining.set(true);
        if (health != null) {
            health.enterTerminalState();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        if (webhookWorker != null) {
            webhookWorker.shutdownNow();
        }
        if (retentionWorker != null) {
            retentionWorker.shutdownNow();
        }
        if (reconciliationWorker != null) {
            reconciliationWorker.shutdownNow();
        }
        if (webhookDelivery != null) {
            // Attempts cut short here were leased: another replica (or this one, restarted) makes them again.
            webhookDelivery.close();
        }
        if (webhookSender != null) {
            webhookSender.close();
        }
        if (keyUsageWorker != null) {
            keyUsageWorker.shutdownNow();
        }
        // The API listeners first (each lets in-flight calls finish, bounded), management last so
        // probes and scrapes see the shutdown.
        stop(adminServer != restServer ? adminServer : null);
        stop(restServer);
        stop(grpcServer);
        stop(managementServer);
        if (keyUsage != null) {
            // What the API counted after the last flush; the listeners are closed, so nothing more comes.
            flushKeyUsage();
        }
        if (databaseCheck != null) {
            databaseCheck.shutdownNow();
        }
        if (apiKeyChangeListener != null) {
            apiKeyChangeListener.close();
        }
        if (ledgerEngine != null) {
            ledgerEngine.close();
        }
        if (rpcExecutor != null) {
            rpcExecutor.shutdownNow();
        }
        if (database != null) {
            database.close();
        }
        for (AutoCloseable resource : toCloseLast) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}", resource, e);
            }
        }
        LOG.info("PayFlow stopped");
    }

    private static void stop(Server server) {
        if (server != null) {
            server.stop().join();
        }
    }

    /** Each gateway circuit breaker's state, lowercase (`closed`, `open`, `half_open`), for the operators' dashboard. */
    /**
     * {@code payflow_provider_circuit_open{provider, mode}}: 1 while a provider's breaker is open
     * (calls refused at once), else 0, for every breaker named {@code <provider>-<test|live>},
     * those made later included. Resilience4j's own {@code resilience4j_circuitbreaker_state} says
     * the same per state; this one is by provider, which the alerts and dashboards group on.
     */
    static void providerCircuitGauges(CircuitBreakerRegistry breakers, io.micrometer.core.instrument.MeterRegistry meters) {
        java.util.function.Consumer<io.github.resilience4j.circuitbreaker.CircuitBreaker> gauge = breaker -> {
            String name = breaker.getName();
            int dash = name.lastIndexOf('-');
            if (dash <= 0) {
                return;
            }
            io.micrometer.core.instrument.Gauge.builder("payflow.provider.circuit.open", breaker, b -> b.getState()
                            == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN
                            || b.getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.FORCED_OPEN ? 1 : 0)
                    .description("1 while the provider's circuit breaker is open (its calls refused at once), else 0")
                    .tag("provider", name.substring(0, dash)).tag("mode", name.substring(dash + 1))
                    .register(meters);
        };
        breakers.getAllCircuitBreakers().forEach(gauge);
        breakers.getEventPublisher().onEntryAdded(added -> gauge.accept(added.getAddedEntry()));
    }

    static java.util.Map<String, String> circuitStates(CircuitBreakerRegistry breakers) {
        java.util.Map<String, String> states = new java.util.TreeMap<>();
        breakers.getAllCircuitBreakers().forEach(breaker ->
                states.put(breaker.getName(), breaker.getState().name().toLowerCase(java.util.Locale.ROOT)));
        return states;
    }
}
