package dev.payflow.core.api;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PartnerSettings;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One token bucket per partner and mode, in this process (Bucket4j, local). A bucket holds
 * {@code rateLimitBurst} tokens and refills {@code rateLimitPerSecond} a second: the partner's own
 * settings if an operator set them, else the configured default. Across replicas each enforces
 * its share ({@code 1/replicas} of both, at least one), so the sum over replicas behind a
 * balancer that spreads calls evenly is the partner's limit.
 *
 * <p>No call waits for the database: a partner's settings are read on its first call and then
 * again at most every {@link #SETTINGS_REFRESH} (by one caller, while the others go on with the
 * limits they have), so an operator's change reaches every replica within that time.
 */
final class PartnerRateLimiter {
    /** How stale a partner's limits may be on a replica after an operator changed them. */
    static final Duration SETTINGS_REFRESH = Duration.ofSeconds(5);

    /** A partner's limits, as this replica enforces them. */
    record Limits(long perSecond, long burst) {
    }

    /** A call that may proceed, or how long until one can. */
    record Decision(boolean allowed, Duration retryAfter) {
    }

    private final Function<String, PartnerSettings> settingsOf;
    private final int defaultPerSecond;
    private final int defaultBurst;
    private final int replicas;
    private final Clock clock;
    private final TimeMeter time;
    private final Map<PartnerScope, Entry> buckets = new ConcurrentHashMap<>();
    /** Which partner and mode a presented key (by hash) authenticated as last; bounded, least recently used first out. */
    private final Map<String, PartnerScope> keys = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PartnerScope> eldest) {
            return size() > KEYS_MAX;
        }
    });
    /** Keys remembered for {@link #refuseBeforeAuthentication}: far more than are in use at once. */
    static final int KEYS_MAX = 100_000;

    /**
     * @param settingsOf reads a partner's settings (a database read); called at most once per
     *                   partner per {@link #SETTINGS_REFRESH} on each replica
     * @param clock      the service's clock: buckets refill as it advances
     */
    PartnerRateLimiter(Function<String, PartnerSettings> settingsOf, int defaultPerSecond, int defaultBurst, int replicas, Clock clock) {
        this.settingsOf = Objects.requireNonNull(settingsOf, "settingsOf");
        this.defaultPerSecond = defaultPerSecond;
        this.defaultBurst = defaultBurst;
        this.replicas = replicas;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.time = new ClockTimeMeter(clock);
    }

    /** Takes one token from the partner's bucket in this mode, if it has one. */
    Decision tryAcquire(PartnerScope scope) {
        Entry entry = buckets.computeIfAbsent(scope, s -> new Entry(limitsOf(s.partnerId()), clock.instant(), time));
        entry.refreshIfDue(scope);
        ConsumptionProbe probe = entry.bucket.tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return new Decision(true, Duration.ZERO);
        }
        return new Decision(false, Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), 1_000_000)));
    }

    /** Remembers which partner a key (by hash) authenticated as, for {@link #refuseBeforeAuthentication}. */
    void remember(String keyHash, PartnerScope scope) {
        if (keyHash != null && !scope.equals(keys.get(keyHash))) {
            keys.put(keyHash, scope);
        }
    }

    /**
     * How long to wait, if this key's partner has no token left now: such a call is refused before
     * authentication, so a partner storming past its limit costs no database read per call. It
     * takes no token; a key now revoked is refused either way (RATE_LIMITED instead of
     * INVALID_API_KEY while its partner's bucket is empty).
     */
    Optional<Refusal> refuseBeforeAuthentication(String keyHash) {
        PartnerScope scope = keyHash == null ? null : keys.get(keyHash);
        Entry entry = scope == null ? null : buckets.get(scope);
        if (entry == null) {
            return Optional.empty();
        }
        io.github.bucket4j.EstimationProbe probe = entry.bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? Optional.empty()
                : Optional.of(new Refusal(scope, Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), 1_000_000))));
    }

    /** A call refused before authentication: whose bucket is empty, and for how long. */
    record Refusal(PartnerScope scope, Duration retryAfter) {
    }

    /** The limits this replica enforces for the partner now, if it has seen a call of it. */
    Optional<Limits> current(PartnerScope scope) {
        return Optional.ofNullable(buckets.get(scope)).map(entry -> entry.limits);
    }

    private Limits limitsOf(String partnerId) {
        PartnerSettings settings = settingsOf.apply(partnerId);
        int perSecond = settings.rateLimitPerSecond().orElse(defaultPerSecond);
        int burst = settings.rateLimitBurst().orElse(defaultBurst);
        return new Limits(share(perSecond), share(burst));
    }

    private long share(int total) {
        return Math.max(1, (total + replicas - 1) / replicas);
    }

    private static BucketConfiguration configuration(Limits limits) {
        return BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(limits.burst()).refillGreedy(limits.perSecond(), Duration.ofSeconds(1)))
                .build();
    }

    private final class Entry {
        private final Bucket bucket;
        private final AtomicBoolean refreshing = new AtomicBoolean();
        private volatile Limits limits;
        private volatile Instant readAt;

        Entry(Limits limits, Instant readAt, TimeMeter time) {
            this.limits = limits;
            this.readAt = readAt;
            this.bucket = Bucket.builder().addLimit(limit -> limit.capacity(limits.burst())
                    .refillGreedy(limits.perSecond(), Duration.ofSeconds(1))).withCustomTimePrecision(time).build();
        }

        void refreshIfDue(PartnerScope scope) {
            Instant now = clock.instant();
            if (Duration.between(readAt, now).compareTo(SETTINGS_REFRESH) < 0 || !refreshing.compareAndSet(false, true)) {
                return;
            }
            try {
                Limits fresh = limitsOf(scope.partnerId());
                if (!fresh.equals(limits)) {
                    // Tokens already taken stay taken; the new capacity and rate apply from now.
                    bucket.replaceConfiguration(configuration(fresh), TokensInheritanceStrategy.AS_IS);
                    limits = fresh;
                }
                readAt = now;
            } catch (RuntimeException e) {
                // The database is briefly unavailable: keep the limits we have and try again on a later call.
            } finally {
                refreshing.set(false);
            }
        }
    }
}
