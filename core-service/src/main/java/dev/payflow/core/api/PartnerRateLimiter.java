package dev.payflow.core.api;

import dev.payflow.core.domain.KeyRateLimit;
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
 * One token bucket per partner and mode, in this process (Bucket4j, local), and one per API key
 * that was issued with a rate limit of its own ({@link KeyRateLimit}): a call of such a key needs
 * a token from both, so the lower limit wins. A bucket holds
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

    /** A call that may proceed, or how long until one can, and whether the key's own limit (not the partner's) refused it. */
    record Decision(boolean allowed, Duration retryAfter, boolean byKey) {
        Decision(boolean allowed, Duration retryAfter) {
            this(allowed, retryAfter, false);
        }
    }

    private final Function<String, PartnerSettings> settingsOf;
    private final int defaultPerSecond;
    private final int defaultBurst;
    private final int replicas;
    private final Clock clock;
    private final TimeMeter time;
    private final Map<PartnerScope, Entry> buckets = new ConcurrentHashMap<>();
    /** The buckets of keys with a limit of their own, by key id (only such keys have one). */
    private final Map<String, KeyEntry> keyBuckets = new ConcurrentHashMap<>();
    /** Which partner and mode, and which key id, a presented key (by hash) authenticated as last; bounded, least recently used first out. */
    private final Map<String, Remembered> keys = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
            return size() > KEYS_MAX;
        }
    });

    private record Remembered(PartnerScope scope, String keyId) {
    }
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

    /**
     * Takes one token from the key's own bucket, if it has a limit of its own, and one from its
     * partner's bucket in this mode: both, or neither (a key token taken before the partner's
     * bucket refuses is given back).
     */
    Decision tryAcquire(PartnerScope scope, String keyId, Optional<KeyRateLimit> keyLimit) {
        if (keyLimit.isEmpty()) {
            return tryAcquire(scope);
        }
        Limits limits = new Limits(share(keyLimit.get().perSecond()), share(keyLimit.get().burst()));
        KeyEntry key = keyBuckets.computeIfAbsent(keyId, id -> new KeyEntry(limits));
        key.use(limits);
        ConsumptionProbe probe = key.bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            return new Decision(false, Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), 1_000_000)), true);
        }
        Decision partner = tryAcquire(scope);
        if (!partner.allowed()) {
            key.bucket.addTokens(1);
        }
        return partner;
    }

    /** Remembers which partner a key (by hash) authenticated as, for {@link #refuseBeforeAuthentication}. */
    void remember(String keyHash, PartnerScope scope) {
        remember(keyHash, scope, null);
    }

    /** Remembers which partner and key id a presented key (by hash) authenticated as, for {@link #refuseBeforeAuthentication}. */
    void remember(String keyHash, PartnerScope scope, String keyId) {
        if (keyHash == null) {
            return;
        }
        Remembered remembered = new Remembered(scope, keyId);
        if (!remembered.equals(keys.get(keyHash))) {
            keys.put(keyHash, remembered);
        }
    }

    /**
     * How long to wait, if this key's partner has no token left now: such a call is refused before
     * authentication, so a partner storming past its limit costs no database read per call. It
     * takes no token; a key now revoked is refused either way (RATE_LIMITED instead of
     * INVALID_API_KEY while its partner's bucket is empty).
     */
    Optional<Refusal> refuseBeforeAuthentication(String keyHash) {
        Remembered remembered = keyHash == null ? null : keys.get(keyHash);
        if (remembered == null) {
            return Optional.empty();
        }
        KeyEntry key = remembered.keyId() == null ? null : keyBuckets.get(remembered.keyId());
        if (key != null) {
            io.github.bucket4j.EstimationProbe probe = key.bucket.estimateAbilityToConsume(1);
            if (!probe.canBeConsumed()) {
                return Optional.of(new Refusal(remembered.scope(), Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), 1_000_000)), true));
            }
        }
        Entry entry = buckets.get(remembered.scope());
        if (entry == null) {
            return Optional.empty();
        }
        io.github.bucket4j.EstimationProbe probe = entry.bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? Optional.empty()
                : Optional.of(new Refusal(remembered.scope(), Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), 1_000_000)), false));
    }

    /** A call refused before authentication: whose bucket is empty (the key's own, or its partner's), and for how long. */
    record Refusal(PartnerScope scope, Duration retryAfter, boolean byKey) {
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

    /** A key's own bucket: its limits are read with the key on every call, so a change applies at once. */
    private final class KeyEntry {
        private final Bucket bucket;
        private volatile Limits limits;

        KeyEntry(Limits limits) {
            this.limits = limits;
            this.bucket = Bucket.builder().addLimit(limit -> limit.capacity(limits.burst())
                    .refillGreedy(limits.perSecond(), Duration.ofSeconds(1))).withCustomTimePrecision(time).build();
        }

        void use(Limits fresh) {
            if (!fresh.equals(limits)) {
                synchronized (this) {
                    if (!fresh.equals(limits)) {
                        bucket.replaceConfiguration(configuration(fresh), TokensInheritanceStrategy.AS_IS);
                        limits = fresh;
                    }
                }
            }
        }
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
