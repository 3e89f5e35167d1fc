package dev.payflow.core.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cache's own rules, on rows read from a real database: how long an entry serves, that a
 * change landing during a read is not undone by it, and that nothing is served while changes
 * cannot be heard. The listener's part is in {@code ApiKeyCacheReplicasTest}.
 */
class ApiKeyCacheTest {
    private static final Duration MAX_AGE = Duration.ofSeconds(5);

    private static Database database;
    private static TestClock clock;
    private static String keyHash;
    private static String partnerId;
    private final AtomicInteger reads = new AtomicInteger();

    @BeforeAll
    static void start() {
        TestDatabases.Coordinates coordinates = TestDatabases.fresh();
        database = Database.connect(coordinates.jdbcUrl(), coordinates.user(), coordinates.password(), 2);
        clock = TestClock.frozenAt(Instant.now().truncatedTo(ChronoUnit.MICROS));
        SecureRandom random = new SecureRandom();
        Services services = new Services(clock, random, new Ids(clock, random));
        PartnerAdministration partners = new PartnerAdministration(database, services, new PartnerRepository(), true);
        partnerId = partners.create(new PartnerAdministration.CreatePartner("Cached", "Cached Inc", "ops@cached.example", "", "", "", "{}")).id();
        partners.changeStatus(partnerId, PartnerStatus.APPROVED, "a test approves it");
        String secret = new ApiKeyAdministration(database, services, new PartnerRepository(), new ApiKeyRepository())
                .issue(partnerId, Optional.of(false), "cached", Set.of(), "a test needs it").secret();
        keyHash = ApiKeySecrets.hash(secret);
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    private Optional<ApiKeyRepository.KeyWithPartnerStatus> read(String hash) {
        reads.incrementAndGet();
        return new ApiKeyRepository().findByHash(database.reader(), hash);
    }

    private static ApiKeyCache listeningCache() {
        ApiKeyCache cache = ApiKeyCache.of(clock, MAX_AGE, new SimpleMeterRegistry());
        cache.listening();
        return cache;
    }

    @Test
    void anEntryServesUntilItsMaximumAgeAndIsThenReadAgain() {
        ApiKeyCache cache = listeningCache();

        cache.find(keyHash, this::read);
        cache.find(keyHash, this::read);
        assertThat(reads).hasValue(1);

        clock.advance(MAX_AGE.minusMillis(1));
        cache.find(keyHash, this::read);
        assertThat(reads).as("still younger than the maximum age").hasValue(1);

        clock.advance(Duration.ofMillis(1));
        cache.find(keyHash, this::read);
        assertThat(reads).as("as old as the maximum age: read again").hasValue(2);
    }

    @Test
    void aRowReadWhileAChangeDropsItIsNotKept() {
        ApiKeyCache cache = listeningCache();
        Function<String, Optional<ApiKeyRepository.KeyWithPartnerStatus>> racingAChange = hash -> {
            Optional<ApiKeyRepository.KeyWithPartnerStatus> row = read(hash);
            // The change commits and its notification is heard after this read saw the old row.
            cache.keyChanged(hash);
            return row;
        };

        assertThat(cache.find(keyHash, racingAChange)).isPresent();
        assertThat(cache.size()).isZero();
        cache.find(keyHash, this::read);
        assertThat(reads).as("the next call reads the database again").hasValue(2);
    }

    @Test
    void aPartnerChangeDropsEveryKeyOfThePartnerAndOnlyThose() {
        ApiKeyCache cache = listeningCache();
        cache.find(keyHash, this::read);

        cache.partnerChanged("ptn_someone_else");
        assertThat(cache.size()).isEqualTo(1);

        cache.partnerChanged(partnerId);
        assertThat(cache.size()).isZero();
    }

    @Test
    void nothingIsServedOrKeptUntilTheListenerListensNorAfterItStops() {
        ApiKeyCache cache = ApiKeyCache.of(clock, MAX_AGE, new SimpleMeterRegistry());
        cache.find(keyHash, this::read);
        cache.find(keyHash, this::read);
        assertThat(reads).as("not listening yet: every call reads").hasValue(2);
        assertThat(cache.size()).isZero();

        cache.listening();
        cache.find(keyHash, this::read);
        cache.find(keyHash, this::read);
        assertThat(reads).hasValue(3);

        cache.notListening();
        assertThat(cache.size()).isZero();
        cache.find(keyHash, this::read);
        assertThat(reads).hasValue(4);
    }

    @Test
    void anUnknownKeyIsNeverKept() {
        ApiKeyCache cache = listeningCache();

        assertThat(cache.find("0".repeat(64), this::read)).isEmpty();
        assertThat(cache.find("0".repeat(64), this::read)).isEmpty();
        assertThat(reads).hasValue(2);
        assertThat(cache.size()).isZero();
    }
}
