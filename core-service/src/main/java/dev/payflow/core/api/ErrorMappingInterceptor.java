package dev.payflow.core.api;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every failure below it a {@code google.rpc.Status} with an ErrorInfo (through
 * {@link ErrorStatuses}): exceptions thrown by the interceptors after it (a refused credential) or
 * by a service method (a business rule), and bare statuses closed without details (by gRPC itself,
 * or a generated stub's UNIMPLEMENTED). No service method needs a try/catch of its own.
 * Unexpected failures are logged here, once, with the request id; the caller sees no internals.
 */
final class ErrorMappingInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMappingInterceptor.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        MappingCall<Q, R> mapping = new MappingCall<>(call, CallContext.REQUEST_ID.get());
        try {
            return new GuardingListener<>(next.startCall(mapping, headers), mapping);
        } catch (RuntimeException refused) {
            mapping.fail(refused);
            return new ServerCall.Listener<>() {
            };
        }
    }

    private static final class MappingCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final String requestId;

        MappingCall(ServerCall<Q, R> delegate, String requestId) {
            super(delegate);
            this.requestId = requestId;
        }

        void fail(RuntimeException failure) {
            PayflowException classified = ErrorStatuses.classify(failure);
            if (classified.reason().category() == ErrorReason.Category.INTERNAL) {
                LOG.error("{} failed (request {})", getMethodDescriptor().getFullMethodName(), requestId, failure);
            } else if (classified != failure) {
                LOG.warn("{} failed, retry may succeed (request {}): {}", getMethodDescriptor().getFullMethodName(), requestId, failure.toString());
            }
            ErrorStatuses.Closing closing = ErrorStatuses.fromThrowable(failure, requestId);
            super.close(closing.status(), closing.trailers());
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (!trailers.containsKey(ErrorStatuses.DETAILS_KEY) && ErrorStatuses.isInternal(status)) {
                LOG.error("request {} failed: {}", requestId, status, status.getCause());
            }
            ErrorStatuses.Closing closing = ErrorStatuses.fromStatus(status, trailers, requestId);
            super.close(closing.status(), closing.trailers());
        }
    }

    /** Turns an exception thrown by a service method into a proper error, instead of gRPC's bare UNKNOWN. */
    private static final class GuardingListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final MappingCall<Q, ?> call;

        GuardingListener(ServerCall.Listener<Q> delegate, MappingCall<Q, ?> call) {
            super(delegate);
            this.call = call;
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
                call.fail(failure);
            }
        }
    }
}
