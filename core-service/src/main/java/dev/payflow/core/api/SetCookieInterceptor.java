package dev.payflow.core.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets a service set the session cookie: it leaves the value in {@link CallContext#SET_COOKIE},
 * and this sends it as the {@code set-cookie} response header, which the REST facade passes on as
 * the HTTP header (gRPC clients see it as metadata).
 */
final class SetCookieInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> SET_COOKIE = Metadata.Key.of("set-cookie", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        AtomicReference<String> cookie = new AtomicReference<>();
        Context context = Context.current().withValue(CallContext.SET_COOKIE, cookie);
        return Contexts.interceptCall(context, new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                String value = cookie.get();
                if (value != null) {
                    responseHeaders.put(SET_COOKIE, value);
                }
                super.sendHeaders(responseHeaders);
            }
        }, headers, next);
    }
}
