package dev.payflow.core.api;

import dev.payflow.core.app.ApiKeySecrets;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Stands in front of {@link AuthenticationInterceptor} so that keys cannot be guessed and unknown
 * keys cost nothing:
 * <ul>
 * <li>each source address may fail authentication {@code authFailuresPerMinute} times a minute
 * (a token bucket per address); past that, every credentialed call from it is answered
 * RESOURCE_EXHAUSTED {@code RATE_LIMITED} with a {@code RetryInfo} before any key is looked at;</li>
 * <li>a key the database did not know (or knew as revoked) is remembered by its hash
 * ({@link #UNKNOWN_KEYS_MAX}, {@link #UNKNOWN_KEY_TTL}) and refused again without a query;</li>
 * <li>a key whose partner has no token left in its bucket is refused RATE_LIMITED at once, so a
 * partner storming past its limit costs no database read per call
 * ({@link PartnerRateLimiter#refuseBeforeAuthentication}).</li>
 * </ul>
 * The address is the connection's peer: behind Envoy that is Envoy, so Envoy's own per-client
 * limits (or {@code x-forwarded-for} trust) belong in front of it; see docs/rate-limits.md.
 */
final class AuthGuardInterceptor implements ServerInterceptor {
    /** Enough for every key a busy attacker can try within the TTL at the per-address limit, from many addresses. */
    static final int UNKNOWN_KEYS_MAX = 100_000;
    static final Duration UNKNOWN_KEY_TTL = Duration.ofMinutes(10);
    /** Addresses tracked at once; the least recently seen is forgotten first. */
    static final int ADDRESSES_MAX = 100_000;
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<ErrorReason> GUESSES = Set.of(ErrorReason.INVALID_API_KEY, ErrorReason.INVALID_ADMIN_TOKEN);

    private final AccessRules rules;
    private final AuthFailures failures;
    private final PartnerRateLimiter limiter;
    private final MeterRegistry meters;
    private final Clock clock;
    private final TimeMeter time;
    private final int failuresPerMinute;
    private final Map<String, Bucket> addresses = lru(ADDRESSES_MAX);
    private final Map<String, Instant> unknownKeys = lru(UNKNOWN_KEYS_MAX);

    AuthGuardInterceptor(AccessRules rules, AuthFailures failures, PartnerRateLimiter limiter, MeterRegistry meters, Clock clock,
            int failuresPerMinute) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.time = new ClockTimeMeter(clock);
        this.failuresPerMinute = failuresPerMinute;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        AccessRules.Requirement requirement = rules.require(method);
        if (!(requirement instanceof AccessRules.PartnerPermission) && !(requirement instanceof AccessRules.Operator)) {
            return next.startCall(call, headers);
        }
        String address = addressOf(call);
        Bucket bucket = bucketOf(address);
        if (bucket.getAvailableTokens() < 1) {
            Duration retryAfter = Duration.ofNanos(Math.max(bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill(), 1_000_000));
            Counter.builder("payflow.auth.address.rejections").description("Credentialed calls refused because their address failed authentication too often")
                    .baseUnit("requests").register(meters).increment();
            ErrorStatuses.Closing closing = ErrorStatuses.rateLimited(String.format(Locale.ROOT,
                    "too many failed authentications from this address; retry after %d s", Math.max(1, (retryAfter.toMillis() + 999) / 1000)),
                    retryAfter, CallContext.REQUEST_ID.get());
            call.close(closing.status(), closing.trailers());
            return new ServerCall.Listener<>() {
            };
        }
        String presentedHash = presentedKeyHash(headers);
        CallRecord record = CallRecord.KEY.get();
        if (record != null) {
            record.presentedKeyHash(presentedHash);
        }
        if (presentedHash != null) {
            java.util.Optional<PartnerRateLimiter.Refusal> empty = limiter.refuseBeforeAuthentication(presentedHash);
            if (empty.isPresent()) {
                return RateLimitInterceptor.refuse(call, meters, empty.get().scope(), empty.get().retryAfter(), empty.get().byKey());
            }
        }
        if (presentedHash != null && isKnownUnknown(presentedHash)) {
            bucket.tryConsume(1);
            PayflowException refused = PayflowException.of(ErrorReason.INVALID_API_KEY, "the API key is not valid");
            failures.recordIfRefusal(refused, method);
            throw refused;
        }
        try {
            return next.startCall(call, headers);
        } catch (PayflowException refused) {
            if (GUESSES.contains(refused.reason())) {
                bucket.tryConsume(1);
                if (refused.reason() == ErrorReason.INVALID_API_KEY && presentedHash != null) {
                    synchronized (unknownKeys) {
                        unknownKeys.put(presentedHash, clock.instant().plus(UNKNOWN_KEY_TTL));
                    }
                }
            }
            throw refused;
        }
    }

    private boolean isKnownUnknown(String hash) {
        synchronized (unknownKeys) {
            Instant until = unknownKeys.get(hash);
            if (until == null) {
                return false;
            }
            if (clock.instant().isAfter(until)) {
                unknownKeys.remove(hash);
                return false;
            }
            return true;
        }
    }

    private Bucket bucketOf(String address) {
        synchronized (addresses) {
            return addresses.computeIfAbsent(address, a -> Bucket.builder()
                    .addLimit(limit -> limit.capacity(failuresPerMinute).refillGreedy(failuresPerMinute, Duration.ofMinutes(1)))
                    .withCustomTimePrecision(time).build());
        }
    }

    /** The hash of a presented partner key (as stored), or null when the credential is not one. */
    private static String presentedKeyHash(Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.length() <= 7 || !value.substring(0, 7).equalsIgnoreCase("bearer ")) {
            return null;
        }
        String presented = value.substring(7).trim();
        return ApiKeySecrets.livemodeOf(presented).isPresent() ? ApiKeySecrets.hash(presented) : null;
    }

    private static String addressOf(ServerCall<?, ?> call) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return remote == null ? "unknown" : remote.toString();
    }

    private static <V> Map<String, V> lru(int max) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }
}
