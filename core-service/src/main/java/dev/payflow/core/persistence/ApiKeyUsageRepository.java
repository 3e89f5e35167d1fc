package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.API_KEY_USAGE;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Each API key's request count and last use, added to in batches (see app/KeyUsage). */
public final class ApiKeyUsageRepository {
    /** Calls counted since the last flush, and the latest of them. */
    public record Delta(String partnerId, long count, Instant lastUsedAt) {
    }

    /** What is stored for a key. */
    public record Totals(long requestCount, Instant lastUsedAt) {
    }

    /** Adds each delta to its key's totals, in key order (so two replicas' flushes never deadlock). */
    public void add(DSLContext tx, Map<String, Delta> deltas) {
        for (Map.Entry<String, Delta> entry : new TreeMap<>(deltas).entrySet()) {
            Delta delta = entry.getValue();
            tx.insertInto(API_KEY_USAGE)
                    .set(API_KEY_USAGE.API_KEY_ID, entry.getKey())
                    .set(API_KEY_USAGE.PARTNER_ID, delta.partnerId())
                    .set(API_KEY_USAGE.REQUEST_COUNT, delta.count())
                    .set(API_KEY_USAGE.LAST_USED_AT, Timestamps.toColumn(delta.lastUsedAt()))
                    .onConflict(API_KEY_USAGE.API_KEY_ID).doUpdate()
                    .set(API_KEY_USAGE.REQUEST_COUNT, API_KEY_USAGE.REQUEST_COUNT.plus(DSL.excluded(API_KEY_USAGE.REQUEST_COUNT)))
                    .set(API_KEY_USAGE.LAST_USED_AT, DSL.greatest(API_KEY_USAGE.LAST_USED_AT, DSL.excluded(API_KEY_USAGE.LAST_USED_AT)))
                    .execute();
        }
    }

    public Map<String, Totals> find(DSLContext tx, Collection<String> apiKeyIds) {
        if (apiKeyIds.isEmpty()) {
            return Map.of();
        }
        return tx.selectFrom(API_KEY_USAGE).where(API_KEY_USAGE.API_KEY_ID.in(apiKeyIds)).fetch().stream()
                .collect(Collectors.toMap(r -> r.getApiKeyId(), r -> new Totals(r.getRequestCount(), Timestamps.fromColumn(r.getLastUsedAt()))));
    }
}
