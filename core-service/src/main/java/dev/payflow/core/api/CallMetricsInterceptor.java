package dev.payflow.core.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Times every call and writes its log line. The timer {@code payflow.grpc.server.calls} is tagged
 * by service, method and the gRPC code the call closed with, with fixed buckets
 * ({@link #LATENCY_BUCKETS}) so that replicas' histograms add up in Prometheus. Failed calls are
 * counted by their ErrorInfo reason ({@code payflow.grpc.server.errors}; invalid Stripe
 * signatures are {@code reason="INVALID_SIGNATURE"} on the webhook service). Idempotency-key
 * conflicts are counted by reason ({@code payflow.idempotency.conflicts}). It sits outside error
 * mapping, so it counts the code and reason the caller saw, not the exception a service threw.
 */
final class CallMetricsInterceptor implements ServerInterceptor {
    /** The histogram's buckets: the same on every replica, from a cached read to the statement timeout. */
    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};
    private static final Set<String> IDEMPOTENCY_CONFLICTS = Set.of("IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_CONFLICT",
            "IDEMPOTENCY_KEY_IN_USE");

    private final MeterRegistry meters;
    private final CallLog log;
    private final Clock clock = Clock.systemUTC();

    CallMetricsInterceptor(MeterRegistry meters, CallLog log) {
        this.meters = Objects.requireNonNull(meters, "meters");
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        CallRecord record = new CallRecord();
        Context context = Context.current().withValue(CallRecord.KEY, record);
        return Contexts.interceptCall(context, new TimedCall<>(call, record, CallContext.REQUEST_ID.get(), System.nanoTime()), headers, next);
    }

    private final class TimedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final CallRecord record;
        private final String requestId;
        private final long startedNanos;

        TimedCall(ServerCall<Q, R> delegate, CallRecord record, String requestId, long startedNanos) {
            super(delegate);
            this.record = record;
            this.requestId = requestId;
            this.startedNanos = startedNanos;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            long tookNanos = System.nanoTime() - startedNanos;
            String fullMethod = getMethodDescriptor().getFullMethodName();
            String service = getMethodDescriptor().getServiceName();
            String method = fullMethod.substring(fullMethod.lastIndexOf('/') + 1);
            String code = status.getCode().name();
            Timer.builder("payflow.grpc.server.calls").description("PayFlow RPCs (gRPC and REST alike) by service, method and gRPC status code")
                    .tag("service", service == null ? "unknown" : service).tag("method", method).tag("code", code)
                    .serviceLevelObjectives(LATENCY_BUCKETS).register(meters).record(Duration.ofNanos(tookNanos));
            String reason = reasonOf(trailers);
            if (reason != null) {
                Counter.builder("payflow.grpc.server.errors").description("Failed calls by service, method and ErrorInfo reason")
                        .baseUnit("requests").tag("service", service == null ? "unknown" : service).tag("method", method).tag("reason", reason)
                        .register(meters).increment();
            }
            if (reason != null && IDEMPOTENCY_CONFLICTS.contains(reason)) {
                Counter.builder("payflow.idempotency.conflicts").description("Calls refused because of their idempotency key, by reason")
                        .baseUnit("requests").tag("reason", reason).register(meters).increment();
            }
            if (!log.isOff()) {
                log.record(clock.instant(), requestId, record.partner(), fullMethod, code, reason, record.adminTokenName(), tookNanos);
            }
            super.close(status, trailers);
        }
    }

    /** The ErrorInfo reason the error mapping put in the trailers, or null for a success. */
    private static String reasonOf(Metadata trailers) {
        com.google.rpc.Status details = trailers.get(ErrorStatuses.DETAILS_KEY);
        if (details == null) {
            return null;
        }
        for (com.google.protobuf.Any detail : details.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return detail.unpack(ErrorInfo.class).getReason();
                } catch (InvalidProtocolBufferException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
