package dev.payflow.core.server;

import dev.payflow.core.api.PayflowApi;
import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.Credits;
import dev.payflow.core.app.Debits;
import dev.payflow.core.app.HoldExpiry;
import dev.payflow.core.app.Holds;
import dev.payflow.core.app.Transfers;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.Services;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.app.WalletManagement;
import dev.payflow.core.config.PayflowConfig;
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
import dev.payflow.facade.RestFacade;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service in one process: the gRPC server (with health and reflection), the REST facade
 * over an in-process channel, the management port, and the database (embedded in development).
 * {@link #close()} drains in-flight calls before it stops the database.
 */
public final class PayflowServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PayflowServer.class);
    /** Worker threads for RPCs: a few more than database connections, so calls that need none (auth failures) still flow. */
    private static final int RPC_THREADS = 32;
    /** How long in-flight calls get to finish on shutdown before they are cancelled. */
    private static final long DRAIN_SECONDS = 20;
    private static final String DATABASE_NAME = "payflow";

    private final List<AutoCloseable> toCloseLast = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String adminToken;
    private Server grpcServer;
    private Server inProcessServer;
    private ManagedChannel inProcessChannel;
    private RestFacade facade;
    private ManagementServer management;
    private HealthStatusManager health;
    private ExecutorService rpcExecutor;
    private Database database;
    private HoldExpiry holdExpiry;
    private ScheduledExecutorService workers;

    private PayflowServer(String adminToken) {
        this.adminToken = adminToken;
    }

    public static PayflowServer start(PayflowConfig config) {
        return start(config, Services.system());
    }

    public static PayflowServer start(PayflowConfig configured, Services services) {
        PayflowConfig config = configured;
        String adminToken = config.adminToken().orElseGet(() -> {
            String generated = Text.randomBase62(services.random(), 43);
            // Printed once, on purpose: in development this is the only way to learn it.
            System.out.println("PAYFLOW_ADMIN_TOKEN was not set; this run's development admin token is: " + generated);
            return generated;
        });
        PayflowServer server = new PayflowServer(adminToken);
        try {
            server.startAll(config, services);
            return server;
        } catch (RuntimeException | IOException e) {
            server.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private void startAll(PayflowConfig config, Services services) throws IOException {
        database = connectDatabase(config);
        database.migrate();

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);

        PartnerRepository partnerRepository = new PartnerRepository();
        ApiKeyRepository apiKeyRepository = new ApiKeyRepository();
        WalletRepository walletRepository = new WalletRepository();
        LedgerRepository ledgerRepository = new LedgerRepository();
        HoldRepository holdRepository = new HoldRepository();
        LedgerEngine ledgerEngine = new LedgerEngine(database, services.clock(), services.ids(), walletRepository, ledgerRepository,
                holdRepository, new IdempotencyRepository(), new SystemAccountRepository());
        PayflowApi.UseCases useCases = new PayflowApi.UseCases(
                new PartnerAdministration(database, services, partnerRepository, !config.isProduction()),
                new ApiKeyAdministration(database, services, partnerRepository, apiKeyRepository),
                new SystemStatistics(database, services, partnerRepository, apiKeyRepository, walletRepository, ledgerRepository),
                new WalletManagement(database, services, walletRepository, ledgerRepository, holdRepository),
                new Credits(ledgerEngine, GatewayRegistry.sandboxOnly()),
                new Debits(ledgerEngine),
                new Transfers(ledgerEngine),
                new Holds(database, services, ledgerEngine, holdRepository, walletRepository),
                new LedgerQueries(database, walletRepository, ledgerRepository),
                new Authenticator(database, apiKeyRepository, adminToken));
        holdExpiry = new HoldExpiry(database, services, ledgerEngine, holdRepository);
        List<ServerServiceDefinition> apiServices = PayflowApi.services(useCases, meters, services.random());

        rpcExecutor = Executors.newFixedThreadPool(RPC_THREADS, daemonThreads("payflow-rpc"));
        health = new HealthStatusManager();
        NettyServerBuilder grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcPort()))
                .executor(rpcExecutor)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance());
        String inProcessName = "payflow-" + Text.randomBase62(services.random(), 12);
        InProcessServerBuilder inProcess = InProcessServerBuilder.forName(inProcessName).executor(rpcExecutor);
        for (ServerServiceDefinition service : apiServices) {
            grpc.addService(service);
            inProcess.addService(service);
            health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING);
        }
        grpcServer = grpc.build().start();
        inProcessServer = inProcess.build().start();
        inProcessChannel = InProcessChannelBuilder.forName(inProcessName).build();
        facade = RestFacade.start(inProcessChannel, new InetSocketAddress(config.httpPort()));
        management = ManagementServer.start(config.managementPort(), meters, database::isReachable);
        if (config.holdExpiryIntervalMs() > 0) {
            workers = Executors.newSingleThreadScheduledExecutor(daemonThreads("payflow-hold-expiry"));
            workers.scheduleWithFixedDelay(this::releaseExpiredHolds, config.holdExpiryIntervalMs(), config.holdExpiryIntervalMs(),
                    TimeUnit.MILLISECONDS);
        }
        LOG.info("PayFlow is up ({}): gRPC on {}, REST on {}, management on {}", config.environment().name().toLowerCase(java.util.Locale.ROOT),
                grpcServer.getPort(), facade.port(), management.port());
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
        return grpcServer.getPort();
    }

    public int httpPort() {
        return facade.port();
    }

    public int managementPort() {
        return management.port();
    }

    public String adminToken() {
        return adminToken;
    }

    public Database database() {
        return database;
    }

    /** The hold-expiry worker, for tests that run it at a moment of their choosing. */
    public HoldExpiry holdExpiry() {
        return holdExpiry;
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
        grpcServer.awaitTermination();
    }

    /** Stops taking calls, lets in-flight ones finish (bounded), then stops the database. Safe to call twice. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        if (health != null) {
            health.enterTerminalState();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        if (facade != null) {
            facade.close();
        }
        drain(grpcServer);
        drain(inProcessServer);
        if (inProcessChannel != null) {
            inProcessChannel.shutdownNow();
        }
        if (rpcExecutor != null) {
            rpcExecutor.shutdownNow();
        }
        if (management != null) {
            management.close();
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

    private static void drain(Server server) {
        if (server == null) {
            return;
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
