package dev.payflow.core.api;

import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Text;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Gives every call a request id: the caller's {@code x-request-id} if it is safe to repeat, else a
 * new {@code req_} id. Puts it in the call context ({@link CallContext#REQUEST_ID}) and echoes it in
 * the response headers and in the trailers of every reply, errors included.
 */
final class RequestIdInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> REQUEST_ID_HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    /** Callers' request ids are echoed in headers and logs, so only a safe, bounded alphabet is taken over. */
    private static final Pattern CALLER_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** 24 base62 characters: about 143 random bits, unique without coordination. */
    private static final int GENERATED_REQUEST_ID_LENGTH = 24;

    private final SecureRandom random;

    RequestIdInterceptor(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String requestId = requestId(headers.get(REQUEST_ID_HEADER));
        Context context = Context.current().withValue(CallContext.REQUEST_ID, requestId);
        return Contexts.interceptCall(context, new EchoingCall<>(call, requestId), headers, next);
    }

    private String requestId(String fromCaller) {
        if (fromCaller != null && CALLER_REQUEST_ID.matcher(fromCaller).matches()) {
            return fromCaller;
        }
        return IdPrefix.REQUEST.prefix() + Text.randomBase62(random, GENERATED_REQUEST_ID_LENGTH);
    }

    private static final class EchoingCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final String requestId;

        EchoingCall(ServerCall<Q, R> delegate, String requestId) {
            super(delegate);
            this.requestId = requestId;
        }

        @Override
        public void sendHeaders(Metadata headers) {
            headers.put(REQUEST_ID_HEADER, requestId);
            super.sendHeaders(headers);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            trailers.put(REQUEST_ID_HEADER, requestId);
            super.close(status, trailers);
        }
    }
}
