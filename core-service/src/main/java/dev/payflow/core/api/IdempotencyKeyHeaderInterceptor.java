package dev.payflow.core.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Hands the {@code Idempotency-Key} header to the services ({@link CallContext#IDEMPOTENCY_KEY_HEADER}),
 * which reconcile it with the body's {@code idempotencyKey}. Headers stay in the API layer: use
 * cases receive one resolved key.
 */
final class IdempotencyKeyHeaderInterceptor implements ServerInterceptor {
    private static final Metadata.Key<String> IDEMPOTENCY_KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String header = headers.get(IDEMPOTENCY_KEY);
        if (header == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(CallContext.IDEMPOTENCY_KEY_HEADER, header), call, headers, next);
    }
}
