package dev.payflow.core.api;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RequestInfo;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import dev.payflow.core.app.Failures;
import java.util.Locale;

/**
 * The one place where failures become {@code google.rpc.Status}: the gRPC code from the reason's
 * category, one {@code ErrorInfo} (domain {@code payflow}) and a {@code RequestInfo}, both naming
 * the request id. Two entry points, for the two shapes a failure arrives in: an exception
 * ({@link #fromThrowable}) and a bare status that gRPC or a generated stub produced without details
 * ({@link #fromStatus}). {@link ErrorMappingInterceptor} applies them to every call.
 */
final class ErrorStatuses {
    static final String DOMAIN = "payflow";
    /** The standard trailer that carries the full google.rpc.Status (what StatusProto and Envoy read). */
    static final Metadata.Key<com.google.rpc.Status> DETAILS_KEY = Metadata.Key.of("grpc-status-details-bin",
            ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

    /**
     * What a partner reads for any unexpected failure. It promises nothing about the outcome: the
     * failure may come after the commit, while the reply is built.
     */
    static final String INTERNAL_MESSAGE = "internal error; the outcome is unknown. Retry with the same idempotency key "
            + "(a retry never moves money twice), and quote the request id to support";

    private ErrorStatuses() {
    }

    /** A failure as the partner sees it. Anything that is not a PayflowException is INTERNAL or UNAVAILABLE, without internals. */
    static PayflowException classify(Throwable failure) {
        if (failure instanceof PayflowException known) {
            return known;
        }
        if (Failures.isTransient(failure)) {
            return new PayflowException(ErrorReason.SERVICE_UNAVAILABLE, "the service is briefly unavailable; retry the request (with the same idempotency key)");
        }
        return new PayflowException(ErrorReason.INTERNAL_ERROR, INTERNAL_MESSAGE);
    }

    static Status.Code code(ErrorReason reason) {
        return switch (reason.category()) {
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case ABORTED -> Status.Code.ABORTED;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
            case UNIMPLEMENTED -> Status.Code.UNIMPLEMENTED;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case INTERNAL -> Status.Code.INTERNAL;
        };
    }

    /** The reason to report for a status that was produced without one (by gRPC itself, or a generated stub). */
    static ErrorReason defaultReason(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorReason.MALFORMED_REQUEST;
            case UNIMPLEMENTED -> ErrorReason.NOT_IMPLEMENTED;
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> ErrorReason.SERVICE_UNAVAILABLE;
            case UNAUTHENTICATED -> ErrorReason.MISSING_CREDENTIALS;
            case RESOURCE_EXHAUSTED -> ErrorReason.RATE_LIMITED;
            default -> ErrorReason.INTERNAL_ERROR;
        };
    }

    static com.google.rpc.Status toProto(Status.Code code, ErrorReason reason, String message, String requestId) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(reason.name()).setDomain(DOMAIN).putMetadata("requestId", requestId);
        LegacyCodes.of(reason).ifPresent(legacy -> info.putMetadata(LegacyCodes.METADATA_KEY, legacy));
        return com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message)
                .addDetails(Any.pack(info.build()))
                .addDetails(Any.pack(RequestInfo.newBuilder().setRequestId(requestId).build()))
                .build();
    }

    /** The status a call closes with and the trailers that carry its {@code google.rpc.Status}. */
    record Closing(Status status, Metadata trailers) {
    }

    /** What the caller sees for a failure thrown while serving the call. */
    static Closing fromThrowable(Throwable failure, String requestId) {
        PayflowException classified = classify(failure);
        Status.Code code = code(classified.reason());
        Metadata trailers = new Metadata();
        trailers.put(DETAILS_KEY, toProto(code, classified.reason(), classified.getMessage(), requestId));
        return new Closing(Status.fromCode(code).withDescription(classified.getMessage()), trailers);
    }

    /**
     * The status as the caller sees it: unchanged if it is OK or already carries details; else
     * with a default reason for its code, and UNKNOWN or INTERNAL turned into INTERNAL with
     * {@link #INTERNAL_MESSAGE} (their own description may hold internals).
     */
    static Closing fromStatus(Status status, Metadata trailers, String requestId) {
        if (status.isOk() || trailers.containsKey(DETAILS_KEY)) {
            return new Closing(status, trailers);
        }
        ErrorReason reason = defaultReason(status.getCode());
        Status closing = status;
        String message = status.getDescription() != null ? status.getDescription() : reason.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        if (isInternal(status)) {
            message = INTERNAL_MESSAGE;
            closing = Status.INTERNAL;
        }
        trailers.put(DETAILS_KEY, toProto(closing.getCode(), reason, message, requestId));
        return new Closing(closing.withDescription(message), trailers);
    }

    /** Whether {@link #fromStatus} hides this status's own description. */
    static boolean isInternal(Status status) {
        return status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL;
    }

    /**
     * RESOURCE_EXHAUSTED {@code RATE_LIMITED} with a {@code google.rpc.RetryInfo} saying when a
     * retry can succeed (the REST facade turns it into {@code Retry-After}).
     */
    static Closing rateLimited(String message, java.time.Duration retryAfter, String requestId) {
        Status.Code code = code(ErrorReason.RATE_LIMITED);
        com.google.rpc.Status proto = toProto(code, ErrorReason.RATE_LIMITED, message, requestId).toBuilder()
                .addDetails(Any.pack(com.google.rpc.RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano())).build()))
                .build();
        Metadata trailers = new Metadata();
        trailers.put(DETAILS_KEY, proto);
        return new Closing(Status.fromCode(code).withDescription(message), trailers);
    }
}
