package dev.payflow.core.api;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;

/**
 * Times every call, tagged by method and by the gRPC code it closed with
 * ({@code payflow.grpc.server.calls}). It sits outside error mapping, so it counts the code the
 * caller saw, not the exception a service threw.
 */
final class CallMetricsInterceptor implements ServerInterceptor {
    private final MeterRegistry meters;

    CallMetricsInterceptor(MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(new TimedCall<>(call, Timer.start(meters)), headers);
    }

    private final class TimedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final Timer.Sample sample;

        TimedCall(ServerCall<Q, R> delegate, Timer.Sample sample) {
            super(delegate);
            this.sample = sample;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            sample.stop(Timer.builder("payflow.grpc.server.calls").description("PayFlow RPCs by method and gRPC status code")
                    .tag("method", getMethodDescriptor().getFullMethodName()).tag("code", status.getCode().name())
                    .publishPercentileHistogram(false).register(meters));
            super.close(status, trailers);
        }
    }
}
