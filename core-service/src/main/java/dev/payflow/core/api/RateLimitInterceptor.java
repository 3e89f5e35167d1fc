package dev.payflow.core.api;

import dev.payflow.core.app.KeyUsage;
import dev.payflow.core.app.PartnerPrincipal;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * A partner's call takes a token from its bucket ({@link PartnerRateLimiter}) or is answered
 * RESOURCE_EXHAUSTED {@code RATE_LIMITED} with a {@code RetryInfo}, without reaching the service.
 * Placed after the access rule, so a call the partner may not make costs it nothing; it also
 * names the partner on the call's record (for the call log) and counts the key's use.
 * Rejections are counted by partner and mode ({@code payflow.rate.limit.rejections}).
 */
final class RateLimitInterceptor implements ServerInterceptor {
    private final PartnerRateLimiter limiter;
    private final KeyUsage usage;
    private final MeterRegistry meters;

    RateLimitInterceptor(PartnerRateLimiter limiter, KeyUsage usage, MeterRegistry meters) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        PartnerPrincipal principal = CallContext.PRINCIPAL.get();
        if (principal == null) {
            return next.startCall(call, headers);
        }
        CallRecord.attributeCurrent(principal.scope());
        CallRecord record = CallRecord.KEY.get();
        if (record != null) {
            limiter.remember(record.presentedKeyHash(), principal.scope(), principal.apiKeyId());
        }
        usage.used(principal.apiKeyId(), principal.scope().partnerId());
        PartnerRateLimiter.Decision decision = limiter.tryAcquire(principal.scope(), principal.apiKeyId(), principal.keyRateLimit());
        if (decision.allowed()) {
            return next.startCall(call, headers);
        }
        return refuse(call, meters, principal.scope(), decision.retryAfter(), decision.byKey());
    }

    /** Answers RATE_LIMITED for the partner, counted by partner and mode. */
    static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, MeterRegistry meters, dev.payflow.core.domain.PartnerScope scope,
            java.time.Duration retryAfter) {
        return refuse(call, meters, scope, retryAfter, false);
    }

    /**
     * Answers RATE_LIMITED for the partner or, when {@code byKey}, for the key's own limit; counted
     * by partner and mode either way (never by key: keys are unbounded).
     */
    static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, MeterRegistry meters, dev.payflow.core.domain.PartnerScope scope,
            java.time.Duration retryAfter, boolean byKey) {
        Counter.builder("payflow.rate.limit.rejections").description("Partner calls refused with RATE_LIMITED, by partner and mode")
                .baseUnit("requests").tag("partner", scope.partnerId())
                .tag("mode", scope.livemode() ? "production" : "sandbox").register(meters).increment();
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        ErrorStatuses.Closing closing = ErrorStatuses.rateLimited(String.format(java.util.Locale.ROOT,
                "rate limit exceeded for this %s in %s mode; retry after %d s", byKey ? "API key" : "partner",
                scope.livemode() ? "production" : "sandbox", seconds), retryAfter, CallContext.REQUEST_ID.get());
        call.close(closing.status(), closing.trailers());
        return new ServerCall.Listener<>() {
        };
    }
}
