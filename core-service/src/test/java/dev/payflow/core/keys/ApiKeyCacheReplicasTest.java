package dev.payflow.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.ApiKeyCache;
import dev.payflow.core.app.ApiKeySecrets;
import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.app.Services;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.persistence.ApiKeyChangeListener;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The authenticator's key cache on two replicas of one database, each with its own listener: a
 * change made through one replica (or straight in the database, as any other writer would) acts
 * on the other once PostgreSQL's notification arrives, and while a replica cannot hear
 * notifications it reads the database on every call.
 *
 * <p>The clock stands still and the maximum age is the largest allowed, so nothing here is
 * refused because an entry grew old: only the notifications (or the bypass) can make a replica see
 * a change.
 */
class ApiKeyCacheReplicasTest {
    /** How long a notification (or a reconnection) may take to arrive before the test fails. */
    private static final Duration DELIVERY_DEADLINE = Duration.ofSeconds(20);
    private static final Duration MAX_AGE = Duration.ofMinutes(1);
    private static final AtomicInteger PARTNERS = new AtomicInteger();

    private static TestDatabases.Coordinates coordinates;
    private static Database database;
    private static TestClock clock;
    private static Services services;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /**
     * A replica's cache, and a note of each key change its listener heard (markers included) once
     * the cache has been told of it, for tests that must wait until earlier changes were heard.
     */
    private record Heard(ApiKeyCache cache, Set<String> keyHashes) implements ApiKeyChangeListener.Subscriber {
        @Override
        public void listening() {
            cache.listening();
        }

        @Override
        public void notListening() {
            cache.notListening();
        }

        @Override
        public void keyChanged(String keyHash) {
            cache.keyChanged(keyHash);
            keyHashes.add(keyHash);
        }

        @Override
        public void partnerChanged(String partnerId) {
            cache.partnerChanged(partnerId);
        }

        @Override
        public void everythingChanged() {
            cache.everythingChanged();
        }
    }

    /**
     * Waits until the replicas' listeners have heard every change committed so far: PostgreSQL
     * delivers a listener's notifications in the order their transactions committed, so once a
     * marker sent now is heard, so is everything before it (a partner's activation, say, or a key's
     * issue, which drop its keys: heard after a call kept the key, they make the next call a miss).
     */
    private static void awaitEarlierChangesHeard(Replica... replicas) {
        String marker = "marker-" + java.util.UUID.randomUUID();
        try (var connection = database.openDedicatedConnection("test-marker", 5);
                var statement = connection.prepareStatement("SELECT pg_notify('payflow_api_key_changes', ?)")) {
            statement.setString(1, "key:" + marker);
            statement.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        for (Replica replica : replicas) {
            awaitUntil(() -> replica.heard().keyHashes().contains(marker), "the listener heard the changes committed so far");
        }
    }

    /** One replica's authentication: its cache, its listener, and the use cases that drop from its cache. */
    private record Replica(Heard heard, SimpleMeterRegistry meters, Authenticator authenticator, ApiKeyAdministration keys,
            PartnerAdministration partners) {
        ApiKeyCache cache() {
            return heard.cache();
        }

        double count(String outcome) {
            return meters.counter("payflow.api.key.cache", "outcome", outcome).count();
        }
    }

    @BeforeAll
    static void start() {
        coordinates = TestDatabases.fresh();
        database = Database.connect(coordinates.jdbcUrl(), coordinates.user(), coordinates.password(), 4);
        clock = TestClock.frozenAt(Instant.now().truncatedTo(ChronoUnit.MICROS));
        SecureRandom random = new SecureRandom();
        services = new Services(clock, random, new Ids(clock, random));
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @AfterEach
    void closeReplicas() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    @Test
    void aKeyRevokedThroughOneReplicaIsRefusedOnTheOtherOnceTheNotificationArrives() {
        Replica first = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        Replica second = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        String partnerId = activePartner(first);
        ApiKeyAdministration.IssuedKey issued = issueKey(first, partnerId);
        awaitEarlierChangesHeard(first, second);

        authenticateTwice(first, issued.secret());
        authenticateTwice(second, issued.secret());
        assertThat(first.count("hit")).isEqualTo(1);
        assertThat(second.count("hit")).isEqualTo(1);

        second.keys().revoke(issued.key().id());

        assertThat(refusal(second, issued.secret())).isEqualTo(ErrorReason.INVALID_API_KEY);
        awaitRefusal(first, issued.secret(), ErrorReason.INVALID_API_KEY);
    }

    @Test
    void aKeyRevokedStraightInTheDatabaseIsRefusedOnBothReplicasOnceTheNotificationArrives() throws SQLException {
        Replica first = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        Replica second = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        String partnerId = activePartner(first);
        ApiKeyAdministration.IssuedKey issued = issueKey(first, partnerId);
        authenticateTwice(first, issued.secret());
        authenticateTwice(second, issued.secret());

        execute("UPDATE api_keys SET revoked_at = now() WHERE id = ?", issued.key().id());

        awaitRefusal(first, issued.secret(), ErrorReason.INVALID_API_KEY);
        awaitRefusal(second, issued.secret(), ErrorReason.INVALID_API_KEY);
    }

    @Test
    void aPartnerSuspendedThroughOneReplicaIsRefusedOnTheOtherOnceTheNotificationArrives() {
        Replica first = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        Replica second = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        String partnerId = activePartner(first);
        ApiKeyAdministration.IssuedKey sandbox = issueKey(first, partnerId);
        ApiKeyAdministration.IssuedKey other = issueKey(first, partnerId);
        authenticateTwice(first, sandbox.secret());
        authenticateTwice(first, other.secret());
        authenticateTwice(second, sandbox.secret());

        second.partners().changeStatus(partnerId, PartnerStatus.SUSPENDED, "a test suspends it");

        assertThat(refusal(second, sandbox.secret())).isEqualTo(ErrorReason.PARTNER_SUSPENDED);
        awaitRefusal(first, sandbox.secret(), ErrorReason.PARTNER_SUSPENDED);
        assertThat(refusal(first, other.secret())).as("every key of the partner, not only the one used on the other replica")
                .isEqualTo(ErrorReason.PARTNER_SUSPENDED);

        first.partners().changeStatus(partnerId, PartnerStatus.ACTIVE, "a test lifts the suspension");

        assertThat(first.authenticator().authenticatePartner(sandbox.secret()).scope().partnerId()).isEqualTo(partnerId);
        awaitAccepted(second, sandbox.secret());
    }

    @Test
    void aKeyRolledToStopAtOnceOnOneReplicaIsRefusedOnTheOtherOnceTheNotificationArrives() {
        Replica first = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        Replica second = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        String partnerId = activePartner(first);
        ApiKeyAdministration.IssuedKey issued = issueKey(first, partnerId);
        authenticateTwice(first, issued.secret());
        authenticateTwice(second, issued.secret());

        ApiKeyAdministration.RolledKey rolled = second.keys().roll(issued.key().id(), java.util.OptionalInt.of(0));

        assertThat(refusal(second, issued.secret())).isEqualTo(ErrorReason.INVALID_API_KEY);
        awaitRefusal(first, issued.secret(), ErrorReason.INVALID_API_KEY);
        assertThat(first.authenticator().authenticatePartner(rolled.successor().secret()).apiKeyId()).isEqualTo(rolled.successor().key().id());
    }

    @Test
    void whileTheListenerIsDisconnectedEveryCallReadsTheDatabaseAndCachingResumesOnceItListensAgain() throws SQLException {
        AtomicBoolean databaseReachable = new AtomicBoolean(true);
        String applicationName = "payflow-api-key-listener-under-test";
        Replica replica = replica(database, () -> {
            if (!databaseReachable.get()) {
                throw new SQLException("the test holds the listener's reconnection back");
            }
            return database.openDedicatedConnection(applicationName, ApiKeyChangeListener.SOCKET_TIMEOUT_SECONDS);
        });
        String partnerId = activePartner(replica);
        ApiKeyAdministration.IssuedKey issued = issueKey(replica, partnerId);
        awaitEarlierChangesHeard(replica);
        authenticateTwice(replica, issued.secret());
        assertThat(replica.count("hit")).isEqualTo(1);

        databaseReachable.set(false);
        assertThat(terminateBackendsOf(applicationName)).isEqualTo(1);
        awaitUntil(() -> !replica.cache().isServing(), "the cache stops serving once its listener's connection is gone");

        // No notification can arrive now: only reading the database can see this.
        execute("UPDATE api_keys SET revoked_at = now() WHERE id = ?", issued.key().id());
        assertThat(refusal(replica, issued.secret())).isEqualTo(ErrorReason.INVALID_API_KEY);
        ApiKeyAdministration.IssuedKey another = issueKey(replica, partnerId);
        double hitsBefore = replica.count("hit");
        authenticateTwice(replica, another.secret());
        assertThat(replica.count("hit")).as("bypassed: no call is served from memory").isEqualTo(hitsBefore);
        assertThat(replica.count("bypass")).isGreaterThanOrEqualTo(3);

        databaseReachable.set(true);
        awaitUntil(() -> replica.cache().isServing(), "the listener reconnects and the cache serves again");

        authenticateTwice(replica, another.secret());
        assertThat(replica.count("hit")).isEqualTo(hitsBefore + 1);
        assertThat(refusal(replica, issued.secret())).isEqualTo(ErrorReason.INVALID_API_KEY);
    }

    @Test
    void aKeptKeyAuthenticatesWithoutTheDatabase() {
        Database own = Database.connect(coordinates.jdbcUrl(), coordinates.user(), coordinates.password(), 2);
        Replica replica = replica(own, ApiKeyChangeListener.dedicatedTo(own));
        String partnerId = activePartner(replica);
        ApiKeyAdministration.IssuedKey issued = issueKey(replica, partnerId);
        // The partner's activation drops its keys when the listener hears it: let that happen before the key is kept.
        awaitEarlierChangesHeard(replica);
        assertThat(replica.authenticator().authenticatePartner(issued.secret()).apiKeyId()).isEqualTo(issued.key().id());
        assertThat(replica.count("miss")).isEqualTo(1);

        own.close();

        // The pool is closed, so this call can only have been answered from memory.
        assertThat(replica.authenticator().authenticatePartner(issued.secret()).apiKeyId()).isEqualTo(issued.key().id());
        assertThat(replica.count("hit")).isEqualTo(1);
        assertThat(replica.count("miss")).isEqualTo(1);
    }

    @Test
    void anUnknownKeyIsNotKeptSoAKeyWorksOnItsFirstCallAfterItIsStored() throws SQLException {
        Replica replica = replica(database, ApiKeyChangeListener.dedicatedTo(database));
        String partnerId = activePartner(replica);
        // Shaped as issued keys are (43 random base62 characters), but stored by no one yet.
        String secret = "sk_test_" + dev.payflow.core.domain.Text.randomBase62(new SecureRandom(), 43);

        assertThat(refusal(replica, secret)).isEqualTo(ErrorReason.INVALID_API_KEY);
        execute("INSERT INTO api_keys (id, partner_id, name, livemode, key_hash, prefix, permissions, all_permissions, created_at)"
                + " VALUES (?, ?, 'stored by another replica', false, ?, ?, '{}', true, now())",
                services.ids().next(dev.payflow.core.domain.IdPrefix.API_KEY), partnerId, ApiKeySecrets.hash(secret), secret.substring(0, 12));

        assertThat(replica.authenticator().authenticatePartner(secret).scope().partnerId()).isEqualTo(partnerId);
    }

    // --- Replicas and fixtures ------------------------------------------------------------------

    private Replica replica(Database on, ApiKeyChangeListener.Connector connector) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ApiKeyCache cache = ApiKeyCache.of(clock, MAX_AGE, meters);
        Heard heard = new Heard(cache, java.util.concurrent.ConcurrentHashMap.newKeySet());
        toClose.add(ApiKeyChangeListener.start(connector, heard));
        Replica replica = new Replica(heard, meters, new Authenticator(on, new ApiKeyRepository(), TestServer.ADMIN_TOKEN, clock, cache),
                new ApiKeyAdministration(on, services, new PartnerRepository(), new ApiKeyRepository(), cache),
                new PartnerAdministration(on, services, new PartnerRepository(), true, cache));
        awaitUntil(cache::isServing, "the replica's listener listens");
        return replica;
    }

    private static String activePartner(Replica replica) {
        int n = PARTNERS.incrementAndGet();
        String partnerId = replica.partners().create(new PartnerAdministration.CreatePartner("Partner " + n, "Partner " + n + " Inc",
                "ops" + n + "@cache" + n + ".example", "", "", "", "{}")).id();
        replica.partners().changeStatus(partnerId, PartnerStatus.APPROVED, "a test approves it");
        replica.partners().changeStatus(partnerId, PartnerStatus.ACTIVE, "a test activates it");
        return partnerId;
    }

    private static ApiKeyAdministration.IssuedKey issueKey(Replica replica, String partnerId) {
        return replica.keys().issue(partnerId, Optional.of(false), "cached key", Set.of(), "a test needs it");
    }

    /** The first call reads the database and keeps the key; the second is served from memory. */
    private static void authenticateTwice(Replica replica, String secret) {
        PartnerPrincipal first = replica.authenticator().authenticatePartner(secret);
        PartnerPrincipal second = replica.authenticator().authenticatePartner(secret);
        assertThat(second).isEqualTo(first);
    }

    private static ErrorReason refusal(Replica replica, String secret) {
        PayflowException refused = catchThrowableOfType(PayflowException.class, () -> replica.authenticator().authenticatePartner(secret));
        assertThat(refused).as("the key is refused").isNotNull();
        return refused.reason();
    }

    private static Optional<ErrorReason> outcome(Replica replica, String secret) {
        try {
            replica.authenticator().authenticatePartner(secret);
            return Optional.empty();
        } catch (PayflowException refused) {
            return Optional.of(refused.reason());
        }
    }

    private static void awaitRefusal(Replica replica, String secret, ErrorReason reason) {
        awaitUntil(() -> outcome(replica, secret).equals(Optional.of(reason)), "the key is refused with " + reason);
    }

    private static void awaitAccepted(Replica replica, String secret) {
        awaitUntil(() -> outcome(replica, secret).isEmpty(), "the key is accepted");
    }

    /** Polls until {@code condition} holds, failing after {@link #DELIVERY_DEADLINE}: what it waits for happens on another thread. */
    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DELIVERY_DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited %s for: %s", DELIVERY_DEADLINE, what).isNegative();
            // Polls another thread's progress, not the clock.
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    private static long terminateBackendsOf(String applicationName) throws SQLException {
        try (Connection connection = connect();
                PreparedStatement statement = connection.prepareStatement("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                        + "FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()")) {
            statement.setString(1, applicationName);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static void execute(String sql, String... parameters) throws SQLException {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            assertThat(statement.executeUpdate()).isEqualTo(1);
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(coordinates.jdbcUrl(), coordinates.user(), coordinates.password());
    }
}
