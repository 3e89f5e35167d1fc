package dev.payflow.core.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.app.Services;
import dev.payflow.core.config.PayflowConfig;
import dev.payflow.core.config.TrafficConfig;
import dev.payflow.core.config.ConsoleConfig;
import dev.payflow.core.config.WebhookConfig;
import dev.payflow.core.webhook.UrlGuard;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.server.PayflowServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.HoldServiceGrpc;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A whole PayFlow process (gRPC, REST facade, management) on ephemeral ports over a fresh database,
 * with clients for both doors. One per test class: start in {@code @BeforeAll}, close in {@code @AfterAll}.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdefghijklmnopqrstuvwxyz";
    /** The console's first admin on every test server, and the key that signs its session cookies. */
    public static final String BOOTSTRAP_ADMIN_EMAIL = "admin@payflow.test";
    public static final String BOOTSTRAP_ADMIN_PASSWORD = "test-bootstrap-admin-password";
    public static final String SESSION_SECRET = "test-session-secret-0123456789abcdefghijklmnop";
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final AtomicInteger PARTNERS = new AtomicInteger();

    private final PayflowServer server;
    private final TestClock clock;
    private final ManagedChannel channel;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final TestDatabases.Coordinates database;

    private TestServer(PayflowServer server, TestClock clock, TestDatabases.Coordinates database) {
        this.server = server;
        this.clock = clock;
        this.database = database;
        this.channel = NettyChannelBuilder.forAddress("localhost", server.grpcPort()).usePlaintext().build();
    }

    /** A server on a fresh database with its own {@link TestClock} and the production lock timeout. */
    public static TestServer start() {
        return start(PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT);
    }

    /** @param lockTimeout how long a statement waits for a row lock (tests of lock waits shorten it) */
    public static TestServer start(Duration lockTimeout) {
        return start(lockTimeout, TestClock.system());
    }

    /** A server on the given clock, e.g. {@link TestClock#frozenAt}, for tests that assert exact instants. */
    public static TestServer start(TestClock clock) {
        return start(PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock);
    }

    /**
     * A server whose admin API has a listener of its own (an ephemeral port, as
     * {@code PAYFLOW_ADMIN_PORT} gives it in production), with the API browser on or off.
     */
    public static TestServer startWithAdminListener(boolean docServiceEnabled) {
        return start(PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, TestClock.system(), OptionalInt.of(0), docServiceEnabled);
    }

    private static TestServer start(Duration lockTimeout, TestClock clock) {
        return start(lockTimeout, clock, OptionalInt.empty(), true);
    }

    /** A server whose Stripe (both modes) is the given fake. */
    public static TestServer startWithStripe(FakeStripe stripe) {
        return startWithStripe(stripe.config(), TestClock.system());
    }

    /** A server with these Stripe settings, on the given clock. */
    public static TestServer startWithStripe(dev.payflow.core.config.StripeConfig stripe, TestClock clock) {
        return start(PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock, OptionalInt.empty(), true, stripe);
    }

    private static TestServer start(Duration lockTimeout, TestClock clock, OptionalInt adminPort, boolean docServiceEnabled) {
        return start(lockTimeout, clock, adminPort, docServiceEnabled, dev.payflow.core.config.StripeConfig.NONE);
    }

    /**
     * The hold-expiry worker of a test server does not run by itself: tests run it with
     * {@code server().holdExpiry().releaseDue()} when their clock says so.
     */
    private static TestServer start(Duration lockTimeout, TestClock clock, OptionalInt adminPort, boolean docServiceEnabled,
            dev.payflow.core.config.StripeConfig stripe) {
        return start(TestDatabases.fresh(), lockTimeout, clock, adminPort, docServiceEnabled, stripe, UrlGuard.HostResolver.SYSTEM,
                WebhookConfig.REQUEST_TIMEOUT_MS_MAX);
    }

    /**
     * A server for webhook tests: names resolve through {@code resolver}, and each delivery
     * attempt may take {@code requestTimeoutMs}. Its delivery worker, too, runs only when a test
     * calls {@code server().webhookDelivery().deliverDue()}.
     */
    public static TestServer startForWebhooks(TestClock clock, UrlGuard.HostResolver resolver, long requestTimeoutMs) {
        return startOn(TestDatabases.fresh(), clock, resolver, requestTimeoutMs);
    }

    /** Another server on an existing database (a restart, or a second replica), with the same key for webhook secrets. */
    public static TestServer startOn(TestDatabases.Coordinates database, TestClock clock, UrlGuard.HostResolver resolver, long requestTimeoutMs) {
        return start(database, PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock, OptionalInt.empty(), true,
                dev.payflow.core.config.StripeConfig.NONE, resolver, requestTimeoutMs);
    }

    private static TestServer start(TestDatabases.Coordinates database, Duration lockTimeout, TestClock clock, OptionalInt adminPort,
            boolean docServiceEnabled, dev.payflow.core.config.StripeConfig stripe, UrlGuard.HostResolver resolver, long requestTimeoutMs) {
        return start(database, lockTimeout, clock, adminPort, docServiceEnabled, stripe, resolver, requestTimeoutMs, TRAFFIC);
    }

    /**
     * Test servers log no calls and set limits no test reaches by accident; tests of the limits
     * and the call log start a server with their own ({@link #startWithTraffic}).
     */
    public static final TrafficConfig TRAFFIC = TrafficConfig.defaults().withCallLog(false).withRateLimit(1_000_000, 1_000_000)
            .withAuthFailuresPerMinute(1_000_000);

    /** A server with these traffic settings (call log, rate limits, failed-authentication limit), on the given clock. */
    public static TestServer startWithTraffic(TrafficConfig traffic, TestClock clock) {
        return startWithTraffic(traffic, clock, dev.payflow.core.config.StripeConfig.NONE);
    }

    /** As {@link #startWithTraffic(TrafficConfig, TestClock)}, with these Stripe settings. */
    public static TestServer startWithTraffic(TrafficConfig traffic, TestClock clock, dev.payflow.core.config.StripeConfig stripe) {
        return start(TestDatabases.fresh(), PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock, OptionalInt.empty(), true,
                stripe, UrlGuard.HostResolver.SYSTEM, WebhookConfig.REQUEST_TIMEOUT_MS_MAX, traffic);
    }

    /** A server whose sandbox has PayPal at this fake (and Stripe at the other fake, if one is given), on the given clock. */
    public static TestServer startWithPayPal(FakePayPal paypal, Optional<FakeStripe> stripe, TestClock clock) {
        return start(TestDatabases.fresh(), PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock, OptionalInt.empty(), true,
                stripe.map(FakeStripe::config).orElse(dev.payflow.core.config.StripeConfig.NONE), UrlGuard.HostResolver.SYSTEM,
                WebhookConfig.REQUEST_TIMEOUT_MS_MAX, TRAFFIC, paypal.config());
    }

    /** A server with these PayPal settings (both modes at a fake, say) and no Stripe, on the given clock. */
    public static TestServer startWithPayPal(dev.payflow.core.config.PayPalConfig paypal, TestClock clock) {
        return start(TestDatabases.fresh(), PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock, OptionalInt.empty(), true,
                dev.payflow.core.config.StripeConfig.NONE, UrlGuard.HostResolver.SYSTEM, WebhookConfig.REQUEST_TIMEOUT_MS_MAX, TRAFFIC, paypal);
    }

    private static TestServer start(TestDatabases.Coordinates database, Duration lockTimeout, TestClock clock, OptionalInt adminPort,
            boolean docServiceEnabled, dev.payflow.core.config.StripeConfig stripe, UrlGuard.HostResolver resolver, long requestTimeoutMs,
            TrafficConfig traffic) {
        return start(database, lockTimeout, clock, adminPort, docServiceEnabled, stripe, resolver, requestTimeoutMs, traffic,
                dev.payflow.core.config.PayPalConfig.NONE);
    }

    private static TestServer start(TestDatabases.Coordinates database, Duration lockTimeout, TestClock clock, OptionalInt adminPort,
            boolean docServiceEnabled, dev.payflow.core.config.StripeConfig stripe, UrlGuard.HostResolver resolver, long requestTimeoutMs,
            TrafficConfig traffic, dev.payflow.core.config.PayPalConfig paypal) {
        PayflowConfig config = new PayflowConfig(PayflowConfig.DeploymentEnvironment.DEVELOPMENT, 0, 0, 0,
                Optional.of(database.jdbcUrl()), Optional.ofNullable(database.user()), Optional.ofNullable(database.password()),
                Path.of("target/unused-data-dir"), Optional.of(ADMIN_TOKEN), 16, lockTimeout, 0, adminPort, docServiceEnabled)
                .withStripe(stripe)
                // Reconciliation tests start the daily run and do queued runs themselves, on the test's clock.
                .withReconciliation(dev.payflow.core.config.ReconciliationConfig.DEFAULTS.withIntervalMs(0))
                // Connect OAuth against the same fake as the API, when there is one.
                .withConnect(new dev.payflow.core.config.ConnectConfig(Optional.empty(), stripe.apiBase().map(base -> CONNECT_CLIENT_ID_TEST),
                        stripe.apiBase().map(base -> CONNECT_CLIENT_ID_LIVE), stripe.apiBase()))
                // No webhook worker of its own: tests deliver when their clock says so.
                .withWebhooks(new WebhookConfig(Optional.of(WEBHOOK_ENCRYPTION_KEY), 0, requestTimeoutMs, WebhookConfig.DELIVERY_THREADS_DEFAULT,
                        WebhookConfig.ENDPOINT_CONCURRENCY_DEFAULT))
                .withTraffic(traffic)
                .withConsole(new ConsoleConfig(Optional.of(SESSION_SECRET), Optional.of(BOOTSTRAP_ADMIN_EMAIL), Optional.of(BOOTSTRAP_ADMIN_PASSWORD)))
                // No retention job of its own: tests run it with server().retention().redactDue() when their clock says so.
                .withRetention(dev.payflow.core.config.RetentionConfig.DEFAULTS.withIntervalMs(0))
                .withPayPal(paypal);
        SecureRandom random = new SecureRandom();
        return new TestServer(PayflowServer.start(config, new Services(clock, random, new Ids(clock, random)), resolver), clock, database);
    }

    /** One key for every test server, so a second server on the same database opens the first one's secrets. */
    private static final byte[] WEBHOOK_ENCRYPTION_KEY = randomKey();

    private static byte[] randomKey() {
        byte[] key = new byte[WebhookConfig.ENCRYPTION_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** The server's clock: advance it instead of sleeping. */
    public TestClock clock() {
        return clock;
    }

    public PayflowServer server() {
        return server;
    }

    public TestDatabases.Coordinates database() {
        return database;
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** The stub with {@code Authorization: Bearer <credential>} on every call. */
    public static <S extends AbstractStub<S>> S withBearer(S stub, String credential) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + credential);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    public PartnerAdminServiceGrpc.PartnerAdminServiceBlockingStub admin() {
        return withBearer(PartnerAdminServiceGrpc.newBlockingStub(channel), ADMIN_TOKEN).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public WalletServiceGrpc.WalletServiceBlockingStub wallets(String key) {
        return withBearer(WalletServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public LedgerServiceGrpc.LedgerServiceBlockingStub ledger(String key) {
        return withBearer(LedgerServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public TransferServiceGrpc.TransferServiceBlockingStub transfers(String key) {
        return withBearer(TransferServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public dev.payflow.proto.v1.ConnectServiceGrpc.ConnectServiceBlockingStub connect(String key) {
        return withBearer(dev.payflow.proto.v1.ConnectServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public dev.payflow.proto.v1.PaymentServiceGrpc.PaymentServiceBlockingStub payments(String key) {
        return withBearer(dev.payflow.proto.v1.PaymentServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public dev.payflow.proto.v1.WebhookEndpointServiceGrpc.WebhookEndpointServiceBlockingStub webhooks(String key) {
        return withBearer(dev.payflow.proto.v1.WebhookEndpointServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public HoldServiceGrpc.HoldServiceBlockingStub holds(String key) {
        return withBearer(HoldServiceGrpc.newBlockingStub(channel), key).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Every wallet of the key's partner and mode with this external user id, page by page. */
    public java.util.List<Wallet> allWallets(String key, String externalUserId) {
        java.util.List<Wallet> all = new java.util.ArrayList<>();
        String token = "";
        do {
            dev.payflow.proto.v1.ListWalletsResponse page = wallets(key).listWallets(dev.payflow.proto.v1.ListWalletsRequest.newBuilder()
                    .setPageSize(200).setExternalUserId(externalUserId).setPageToken(token).build());
            all.addAll(page.getWalletsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    /** A partner with a sandbox key and a production key (which works once the partner is active). */
    public record PartnerKeys(String partnerId, String sandboxKey, String productionKey) {
    }

    /** Creates a partner, moves it to {@code status} through the allowed transitions, and issues keys with all permissions. */
    public PartnerKeys onboard(Partner.Status status) {
        int n = PARTNERS.incrementAndGet();
        Partner partner = admin().createPartner(CreatePartnerRequest.newBuilder()
                .setName("Partner " + n).setCompanyName("Partner " + n + " Inc").setEmail("ops" + n + "@partner" + n + ".example").build());
        String sandbox = issueKey(partner.getId(), ApiKey.Environment.sandbox);
        String production = issueKey(partner.getId(), ApiKey.Environment.production);
        switch (status) {
            case pending -> {
            }
            case approved -> changeStatus(partner.getId(), Partner.Status.approved);
            case active -> {
                changeStatus(partner.getId(), Partner.Status.approved);
                changeStatus(partner.getId(), Partner.Status.active);
            }
            case suspended -> {
                changeStatus(partner.getId(), Partner.Status.approved);
                changeStatus(partner.getId(), Partner.Status.active);
                changeStatus(partner.getId(), Partner.Status.suspended);
            }
            default -> throw new IllegalArgumentException("cannot onboard to " + status);
        }
        return new PartnerKeys(partner.getId(), sandbox, production);
    }

    public String issueKey(String partnerId, ApiKey.Environment environment, String... permissions) {
        return admin().createApiKey(CreateApiKeyRequest.newBuilder().setPartnerId(partnerId).setEnvironment(environment)
                .setName("test key").addAllPermissions(java.util.List.of(permissions)).setReason("a test needs it").build()).getKey();
    }

    public Partner changeStatus(String partnerId, Partner.Status status) {
        return admin().updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder().setId(partnerId).setStatus(status)
                .setReason("test moved it to " + status).build());
    }

    // --- Shared fixtures: wallets and money, with fresh ids and idempotency keys ------------------

    /** A fresh idempotency key, never used before. */
    public static String newIdempotencyKey() {
        return "key-" + UUID.randomUUID();
    }

    /** A new wallet of the key's partner and mode, for a user and with an external id of its own. */
    public Wallet newWallet(String apiKey, String currency) {
        String id = UUID.randomUUID().toString();
        return wallets(apiKey).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("user-" + id)
                .setExternalWalletId("wallet-" + id).setName("Wallet " + currency).setCurrency(currency).build());
    }

    /** Credits the wallet with a fresh idempotency key. */
    public Transaction credit(String apiKey, String walletId, String amount, String currency) {
        return wallets(apiKey).creditWallet(CreditWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount)
                .setCurrency(currency).setIdempotencyKey(newIdempotencyKey()).build());
    }

    /** Debits the wallet with a fresh idempotency key. */
    public Transaction debit(String apiKey, String walletId, String amount, String currency) {
        return wallets(apiKey).debitWallet(DebitWalletRequest.newBuilder().setWalletId(walletId).setAmount(amount)
                .setCurrency(currency).setIdempotencyKey(newIdempotencyKey()).build());
    }

    /** Transfers between two wallets with a fresh idempotency key. */
    public Transaction transfer(String apiKey, String fromWalletId, String toWalletId, String amount, String currency) {
        return transfers(apiKey).createTransfer(CreateTransferRequest.newBuilder().setFromWalletId(fromWalletId).setToWalletId(toWalletId)
                .setAmount(amount).setCurrency(currency).setIdempotencyKey(newIdempotencyKey()).build());
    }

    public String balanceOf(String apiKey, String walletId) {
        return wallets(apiKey).getWallet(GetWalletRequest.newBuilder().setId(walletId).build()).getBalance();
    }

    public Wallet setWalletStatus(String apiKey, String walletId, Wallet.Status status) {
        return wallets(apiKey).updateWallet(UpdateWalletRequest.newBuilder().setId(walletId).setStatus(status).build());
    }

    /** An HTTP response with its body parsed as a JSON object. */
    public record Rest(int status, JsonObject body, java.net.http.HttpHeaders headers) {
    }

    public Rest rest(String method, String path, String bearer, String jsonBody) {
        return rest(method, path, bearer, jsonBody, Map.of());
    }

    public Rest rest(String method, String path, String bearer, String jsonBody, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonObject body = response.body().isBlank() ? new JsonObject()
                    : isJsonLines(response) ? jsonLines(response.body()) : JsonParser.parseString(response.body()).getAsJsonObject();
            return new Rest(response.statusCode(), body, response.headers());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean isJsonLines(HttpResponse<String> response) {
        return response.headers().firstValue("content-type").orElse("").startsWith("application/x-ndjson");
    }

    /** A JSON-lines body (an export) as {@code {"lines": [...]}}, one object per line. */
    private static JsonObject jsonLines(String body) {
        com.google.gson.JsonArray lines = new com.google.gson.JsonArray();
        body.lines().filter(line -> !line.isBlank()).forEach(line -> lines.add(JsonParser.parseString(line)));
        JsonObject wrapped = new JsonObject();
        wrapped.add("lines", lines);
        return wrapped;
    }

    /** A plain GET-style request without JSON parsing, for files and redirects. */
    public HttpResponse<String> raw(String method, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.httpPort() + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A restart: closes this server (the process is gone) and starts a new one on the same
     * database and clock, with these Stripe settings.
     */
    public TestServer restart(dev.payflow.core.config.StripeConfig stripe) {
        close();
        return start(database, PayflowConfig.DATABASE_LOCK_TIMEOUT_DEFAULT, clock, OptionalInt.empty(), true, stripe, UrlGuard.HostResolver.SYSTEM,
                WebhookConfig.REQUEST_TIMEOUT_MS_MAX);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.close();
    }

    /** The Connect client ids of a server whose Stripe is a fake. */
    public static final String CONNECT_CLIENT_ID_TEST = "ca_test_fake_0123456789";
    public static final String CONNECT_CLIENT_ID_LIVE = "ca_live_fake_0123456789";
}
