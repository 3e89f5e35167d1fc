package dev.payflow.core.api;

import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Text;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one interceptor every PayFlow RPC passes, over gRPC and over REST alike. In order: it fixes
 * the request id, authenticates the caller as its RPC's access rule demands, checks the permission,
 * puts partner and mode in the call context, turns any failure into a {@code google.rpc.Status}
 * with an ErrorInfo, echoes {@code x-request-id}, and counts the call.
 */
public final class ApiInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ApiInterceptor.class);
    static final Metadata.Key<String> REQUEST_ID_HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> IDEMPOTENCY_KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> STRIPE_SIGNATURE = Metadata.Key.of("stripe-signature", Metadata.ASCII_STRING_MARSHALLER);
    /** Callers' request ids are echoed in headers and logs, so only a safe, bounded alphabet is taken over. */
    private static final Pattern CALLER_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final int GENERATED_REQUEST_ID_LENGTH = 24;

    private final AccessRules rules;
    private final Authenticator authenticator;
    private final MeterRegistry meters;
    private final SecureRandom random;

    ApiInterceptor(AccessRules rules, Authenticator authenticator, MeterRegistry meters, SecureRandom random) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String requestId = requestId(headers.get(REQUEST_ID_HEADER));
        ObservedCall<Q, R> observed = new ObservedCall<>(call, requestId, Timer.start(meters));
        Context context = Context.current().withValue(CallContext.REQUEST_ID, requestId);
        try {
            AccessRules.Requirement requirement = rules.forMethod(call.getMethodDescriptor().getFullMethodName()).orElseThrow(
                    () -> new IllegalStateException("no access rule for " + call.getMethodDescriptor().getFullMethodName()));
            if (requirement instanceof AccessRules.PartnerPermission needed) {
                PartnerPrincipal principal = authenticator.authenticatePartner(bearer(headers));
                if (!principal.permissions().contains(needed.permission())) {
                    throw PayflowException.of(ErrorReason.MISSING_PERMISSION, "this API key lacks the permission %s",
                            needed.permission().wireName());
                }
                context = context.withValue(CallContext.PRINCIPAL, principal)
                        .withValue(CallContext.IDEMPOTENCY_KEY_HEADER, headers.get(IDEMPOTENCY_KEY));
            } else if (requirement instanceof AccessRules.Admin) {
                authenticator.authenticateAdmin(bearer(headers));
            } else if (requirement instanceof AccessRules.SignedBySender) {
                context = context.withValue(CallContext.STRIPE_SIGNATURE, headers.get(STRIPE_SIGNATURE));
            } else {
                throw new IllegalStateException("unhandled access requirement " + requirement);
            }
        } catch (RuntimeException refused) {
            PayflowException failure = ErrorStatuses.classify(refused);
            if (failure.reason().category() == ErrorReason.Category.UNAUTHENTICATED
                    || failure.reason().category() == ErrorReason.Category.PERMISSION_DENIED) {
                // Counted and logged without the credential itself.
                Counter.builder("payflow.auth.failures").description("Calls refused by authentication or authorisation")
                        .tag("reason", failure.reason().name()).register(meters).increment();
                LOG.info("refused {} (request {}): {}", call.getMethodDescriptor().getFullMethodName(), requestId, failure.reason());
            } else {
                LOG.error("access check failed for {} (request {})", call.getMethodDescriptor().getFullMethodName(), requestId, refused);
            }
            observed.fail(failure);
            return new ServerCall.Listener<>() {
            };
        }
        return new FailureMappingListener<>(Contexts.interceptCall(context, observed, headers, next), observed, context);
    }

    private String requestId(String fromCaller) {
        if (fromCaller != null && CALLER_REQUEST_ID.matcher(fromCaller).matches()) {
            return fromCaller;
        }
        return IdPrefix.REQUEST.prefix() + Text.randomBase62(random, GENERATED_REQUEST_ID_LENGTH);
    }

    private static String bearer(Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            throw PayflowException.of(ErrorReason.MISSING_CREDENTIALS, "missing credentials (expected: an Authorization: Bearer header)");
        }
        String value = authorization.trim();
        if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            throw PayflowException.of(ErrorReason.MISSING_CREDENTIALS, "the Authorization header must use the Bearer scheme");
        }
        return value.substring(7).trim();
    }

    /** Echoes the request id, gives every error its details, and times the call. */
    private final class ObservedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final String requestId;
        private final Timer.Sample sample;

        ObservedCall(ServerCall<Q, R> delegate, String requestId, Timer.Sample sample) {
            super(delegate);
            this.requestId = requestId;
            this.sample = sample;
        }

        @Override
        public void sendHeaders(Metadata headers) {
            headers.put(REQUEST_ID_HEADER, requestId);
            super.sendHeaders(headers);
        }

        void fail(PayflowException failure) {
            Status.Code code = ErrorStatuses.code(failure.reason());
            Metadata trailers = new Metadata();
            trailers.put(ErrorStatuses.DETAILS_KEY, ErrorStatuses.toProto(code, failure.reason(), failure.getMessage(), requestId));
            close(Status.fromCode(code).withDescription(failure.getMessage()), trailers);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            Status closing = status;
            if (!status.isOk() && !trailers.containsKey(ErrorStatuses.DETAILS_KEY)) {
                ErrorReason reason = ErrorStatuses.defaultReason(status.getCode());
                String message = status.getDescription() != null ? status.getDescription() : reason.name().toLowerCase(Locale.ROOT).replace('_', ' ');
                if (status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL) {
                    LOG.error("request {} failed: {}", requestId, status, status.getCause());
                    message = ErrorStatuses.INTERNAL_MESSAGE;
                    closing = Status.INTERNAL.withDescription(message);
                }
                trailers.put(ErrorStatuses.DETAILS_KEY, ErrorStatuses.toProto(closing.getCode(), reason, message, requestId));
                closing = closing.withDescription(message);
            }
            trailers.put(REQUEST_ID_HEADER, requestId);
            sample.stop(Timer.builder("payflow.grpc.server.calls").description("PayFlow RPCs by method and gRPC status code")
                    .tag("method", getMethodDescriptor().getFullMethodName()).tag("code", closing.getCode().name())
                    .publishPercentileHistogram(false).register(meters));
            super.close(closing, trailers);
        }
    }

    /** Turns an exception thrown by a service method into a proper error, instead of gRPC's bare UNKNOWN. */
    private static final class FailureMappingListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ObservedCall<Q, ?> call;
        private final Context context;

        FailureMappingListener(ServerCall.Listener<Q> delegate, ObservedCall<Q, ?> call, Context context) {
            super(delegate);
            this.call = call;
            this.context = context;
        }

        @Override
        public void onMessage(Q message) {
            guard(() -> super.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            guard(super::onHalfClose);
        }

        private void guard(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException failure) {
                PayflowException mapped = ErrorStatuses.classify(failure);
                if (mapped.reason().category() == ErrorReason.Category.INTERNAL) {
                    LOG.error("request {} failed", CallContext.REQUEST_ID.get(context), failure);
                }
                call.fail(mapped);
            }
        }
    }
}
