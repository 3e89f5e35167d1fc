package dev.payflow.core.app;

import dev.payflow.core.persistence.ApiKeyUsageRepository;
import dev.payflow.core.persistence.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How often each API key is used and when it was last used, counted in memory on every call and
 * written by {@link #flush()} (a worker, every few seconds): one upsert per key used since the last
 * flush, adding to its total, so a busy key's row is written once per flush, never once per call.
 * A replica that dies loses at most one interval of counts; the last use it saw is then older.
 */
public final class KeyUsage {
    /** Nothing is counted (a chain without a database, in tests of the chain alone). */
    public static final KeyUsage NONE = new KeyUsage(null, null, Clock.systemUTC());

    private final Database database;
    private final ApiKeyUsageRepository repository;
    private final Clock clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    private static final class Pending {
        Pending(String partnerId) {
            this.partnerId = partnerId;
        }

        final String partnerId;
        final AtomicLong count = new AtomicLong();
        final AtomicReference<Instant> last = new AtomicReference<>();
    }

    public KeyUsage(Database database, ApiKeyUsageRepository repository, Clock clock) {
        this.database = database;
        this.repository = repository;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Counts one call made with this key, now. No I/O. */
    public void used(String apiKeyId, String partnerId) {
        if (database == null) {
            return;
        }
        Pending entry = pending.computeIfAbsent(apiKeyId, id -> new Pending(partnerId));
        Instant now = clock.instant();
        entry.count.incrementAndGet();
        entry.last.accumulateAndGet(now, (was, next) -> was == null || next.isAfter(was) ? next : was);
    }

    /** Writes what was counted since the last flush, in one transaction; counts made meanwhile wait for the next. */
    public synchronized void flush() {
        if (database == null || pending.isEmpty()) {
            return;
        }
        Map<String, ApiKeyUsageRepository.Delta> batch = new HashMap<>();
        // Entries stay (one per key ever used here): taking the count with getAndSet loses none
        // that a call adds meanwhile, which removing the entry could.
        pending.forEach((id, entry) -> {
            long count = entry.count.getAndSet(0);
            if (count > 0) {
                batch.put(id, new ApiKeyUsageRepository.Delta(entry.partnerId, count, entry.last.get()));
            }
        });
        if (batch.isEmpty()) {
            return;
        }
        try {
            database.inTransaction(tx -> {
                repository.add(tx, batch);
                return null;
            });
        } catch (RuntimeException e) {
            // Put the counts back for the next flush, so a database blip loses none.
            batch.forEach((id, delta) -> {
                Pending entry = pending.computeIfAbsent(id, k -> new Pending(delta.partnerId()));
                entry.count.addAndGet(delta.count());
                entry.last.accumulateAndGet(delta.lastUsedAt(), (was, next) -> was == null || next.isAfter(was) ? next : was);
            });
            throw e;
        }
    }

    /** A key's request count and last use, as flushed so far. */
    public record Totals(long requestCount, Instant lastUsedAt) {
    }

    /** The keys' totals as written so far (calls not yet flushed are not in them). */
    public Map<String, Totals> totalsOf(java.util.Collection<String> apiKeyIds) {
        if (database == null) {
            return Map.of();
        }
        Map<String, Totals> totals = new HashMap<>();
        repository.find(database.reader(), apiKeyIds).forEach((id, t) -> totals.put(id, new Totals(t.requestCount(), t.lastUsedAt())));
        return totals;
    }
}
