package dev.payflow.core.app;

import dev.payflow.core.persistence.ApiKeyChangeListener;
import dev.payflow.core.persistence.ApiKeyRepository.KeyWithPartnerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What authentication read of a key (the key and its partner's status), by the key's hash, so a
 * busy key costs one database read per {@link #maxAge} instead of one per call. Never the key
 * itself, and never a miss: an unknown key is read again on its next call (so a key works on its
 * very first call after it is issued).
 *
 * <p>It stays as fresh as the database:
 * <ul>
 * <li>on this replica, the use cases that change a key or a partner drop its entries after their
 * transaction commits ({@link #forgetKey}, {@link #forgetPartner});</li>
 * <li>on every replica, {@link ApiKeyChangeListener} hears PostgreSQL announce each change (V22's
 * triggers) and drops the named entries;</li>
 * <li>while that listener is not listening (not yet connected, or its connection failed) the cache
 * is bypassed and empty: every call reads the database, as without a cache. When it listens again
 * the cache is emptied once more, as what changed meanwhile was never announced;</li>
 * <li>{@link #maxAge} is the backstop should a notification ever be lost.</li>
 * </ul>
 * A read that races a change must not put the old row back after the change dropped it: every drop
 * moves {@link #generation} on, and a row read before the move is not kept (checked again after the
 * put, so a drop between the check and the put still wins).
 */
public final class ApiKeyCache implements ApiKeyChangeListener.Subscriber {
    /**
     * Far more keys than one replica serves within a maximum age; at about a kilobyte an entry the
     * cache stays near ten megabytes. Past it, expired entries go first, then arbitrary ones: a
     * dropped entry only costs its next call a database read.
     */
    static final int ENTRIES_MAX = 10_000;

    private record Entry(KeyWithPartnerStatus found, long readAtMs) {
    }

    private final boolean enabled;
    private final Clock clock;
    private final long maxAgeMs;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    /** False until the listener listens, and whenever it does not: the cache is then bypassed. */
    private volatile boolean listening;
    private final Counter hits;
    private final Counter misses;
    private final Counter bypasses;

    private ApiKeyCache(boolean enabled, Clock clock, Duration maxAge, MeterRegistry meters) {
        this.enabled = enabled;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxAgeMs = Objects.requireNonNull(maxAge, "maxAge").toMillis();
        if (enabled && maxAgeMs < 1) {
            throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: at least 1 ms)");
        }
        this.hits = counter(meters, "hit");
        this.misses = counter(meters, "miss");
        this.bypasses = counter(meters, "bypass");
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        if (meters == null) {
            return null;
        }
        return Counter.builder("payflow.api.key.cache")
                .description("Partner key look-ups: hit (served from memory), miss (read from the database), "
                        + "bypass (read from the database while changes are not heard)")
                .tag("outcome", outcome).register(meters);
    }

    /**
     * A cache that serves from memory once its {@link ApiKeyChangeListener} listens.
     *
     * @param clock  the service's clock, for {@code maxAge}
     * @param meters where {@code payflow_api_key_cache_total{outcome}} is counted (null: nowhere)
     */
    public static ApiKeyCache of(Clock clock, Duration maxAge, MeterRegistry meters) {
        return new ApiKeyCache(true, clock, maxAge, meters);
    }

    /** No cache: every look-up reads the database ({@code PAYFLOW_API_KEY_CACHE_ENABLED=false}). */
    public static ApiKeyCache disabled() {
        return new ApiKeyCache(false, Clock.systemUTC(), Duration.ZERO, null);
    }

    /** What {@code read} returns for {@code keyHash}: from memory if kept and fresh, else read (and kept, if found). */
    Optional<KeyWithPartnerStatus> find(String keyHash, Function<String, Optional<KeyWithPartnerStatus>> read) {
        if (!enabled) {
            return read.apply(keyHash);
        }
        if (!listening) {
            increment(bypasses);
            return read.apply(keyHash);
        }
        long nowMs = clock.millis();
        Entry entry = entries.get(keyHash);
        if (entry != null && isFresh(entry, nowMs)) {
            increment(hits);
            return Optional.of(entry.found());
        }
        increment(misses);
        long before = generation.get();
        Optional<KeyWithPartnerStatus> found = read.apply(keyHash);
        found.ifPresent(row -> keep(keyHash, new Entry(row, nowMs), before));
        return found;
    }

    private boolean isFresh(Entry entry, long nowMs) {
        long ageMs = nowMs - entry.readAtMs();
        // A clock set back makes an entry look younger than it is: such an entry is read again.
        return ageMs >= 0 && ageMs < maxAgeMs;
    }

    private void keep(String keyHash, Entry entry, long generationBeforeRead) {
        if (!listening || generation.get() != generationBeforeRead) {
            return;
        }
        if (entries.size() >= ENTRIES_MAX) {
            makeRoom(entry.readAtMs());
        }
        entries.put(keyHash, entry);
        if (!listening || generation.get() != generationBeforeRead) {
            // A drop ran between the check above and the put: it wins.
            entries.remove(keyHash, entry);
        }
    }

    private void makeRoom(long nowMs) {
        entries.values().removeIf(kept -> !isFresh(kept, nowMs));
        Iterator<String> arbitrary = entries.keySet().iterator();
        while (entries.size() >= ENTRIES_MAX * 9 / 10 && arbitrary.hasNext()) {
            arbitrary.next();
            arbitrary.remove();
        }
    }

    private static void increment(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }

    /** Drops the key with this id (after its revocation or roll commits on this replica). */
    public void forgetKey(String keyId) {
        Objects.requireNonNull(keyId, "keyId");
        forgetIf(entry -> entry.found().key().id().equals(keyId));
    }

    /** Drops every key of this partner (after a change to the partner commits on this replica). */
    public void forgetPartner(String partnerId) {
        Objects.requireNonNull(partnerId, "partnerId");
        forgetIf(entry -> entry.found().key().partnerId().equals(partnerId));
    }

    private void forgetIf(Predicate<Entry> affected) {
        if (!enabled) {
            return;
        }
        generation.incrementAndGet();
        entries.values().removeIf(affected);
    }

    private void forgetAll() {
        generation.incrementAndGet();
        entries.clear();
    }

    @Override
    public void keyChanged(String keyHash) {
        generation.incrementAndGet();
        entries.remove(keyHash);
    }

    @Override
    public void partnerChanged(String partnerId) {
        forgetPartner(partnerId);
    }

    @Override
    public void everythingChanged() {
        forgetAll();
    }

    @Override
    public void listening() {
        // Whatever changed while nobody listened was announced to no one: start empty.
        forgetAll();
        listening = true;
    }

    @Override
    public void notListening() {
        listening = false;
        forgetAll();
    }

    /** Whether entries are served from memory now (the listener listens); false means every call reads the database. */
    public boolean isServing() {
        return enabled && listening;
    }

    /** How many keys are kept now (for tests). */
    int size() {
        return entries.size();
    }
}
