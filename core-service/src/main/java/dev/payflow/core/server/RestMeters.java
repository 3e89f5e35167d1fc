package dev.payflow.core.server;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Function;

/**
 * Times every REST request by route template (never the concrete path, whose ids are unbounded),
 * HTTP method and status ({@code payflow.rest.requests}), with the same fixed buckets as the gRPC
 * histogram so replicas add up. A request that matched no API route is counted under
 * {@code route="unmatched"}.
 */
final class RestMeters extends SimpleDecoratingHttpService {
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final MeterRegistry meters;
    private final String listener;
    /**
     * The timers already registered, by route template, method and status: building a meter id and
     * looking it up in the registry on every request cost more than the request's own JSON checks.
     * Bounded by the routes times methods times statuses the listener answers (a few hundred).
     */
    private final java.util.concurrent.ConcurrentHashMap<TimerKey, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    private record TimerKey(String route, String method, int status) {
    }

    private RestMeters(HttpService delegate, MeterRegistry meters, String listener) {
        super(delegate);
        this.meters = meters;
        this.listener = listener;
    }

    /** A decorator for a listener's services; {@code listener} is {@code rest} or {@code admin}. */
    static Function<? super HttpService, ? extends HttpService> decorator(MeterRegistry meters, String listener) {
        return delegate -> new RestMeters(delegate, meters, listener);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        ctx.log().whenComplete().thenAccept(log -> record(ctx, log));
        return unwrap().serve(ctx, req);
    }

    private void record(ServiceRequestContext ctx, RequestLog log) {
        int status = log.responseHeaders().status().code();
        Route route = ctx.config().route();
        String template = route.isFallback() || status == 404 && route.pathType() == com.linecorp.armeria.server.RoutePathType.PREFIX
                ? "unmatched" : route.patternString();
        timers.computeIfAbsent(new TimerKey(template, ctx.method().name(), status), key -> Timer.builder("payflow.rest.requests")
                .description("REST requests by listener, route template, HTTP method and status")
                .tag("listener", listener).tag("route", key.route()).tag("method", key.method()).tag("status", Integer.toString(key.status()))
                .serviceLevelObjectives(BUCKETS).register(meters)).record(Duration.ofNanos(log.totalDurationNanos()));
    }
}
