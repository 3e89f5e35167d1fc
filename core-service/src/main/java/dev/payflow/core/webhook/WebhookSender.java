package dev.payflow.core.webhook;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One POST to a partner's endpoint, on Armeria's client: to exactly the address the URL check
 * passed (the URL's host still names the request and the TLS certificate, but is not looked up
 * again), redirects not followed, bounded in time and in the size of the answer kept.
 */
public final class WebhookSender implements AutoCloseable {
    /**
     * Answers larger than this are not read further (the attempt counts by its status alone). The
     * excerpt kept is far smaller; the bound only stops a hostile endpoint filling our memory.
     */
    static final int RESPONSE_BYTES_MAX = 64 * 1024;

    private final ClientFactory factory;
    private final Duration timeout;

    public WebhookSender(Duration timeout) {
        this.timeout = timeout;
        this.factory = ClientFactory.builder().connectTimeout(timeout).idleTimeout(Duration.ofSeconds(30)).build();
    }

    /** What came back: a status and body, or why none did. */
    public record Answer(Optional<Integer> status, Optional<String> location, Optional<String> retryAfter, String body, Optional<String> error) {
    }

    public Answer post(UrlGuard.Target target, Map<String, String> headers, String body) {
        Endpoint endpoint = Endpoint.of(target.host(), target.port()).withIpAddr(target.address().getHostAddress());
        WebClient client = WebClient.builder(target.https() ? SessionProtocol.HTTPS : SessionProtocol.H1C, endpoint)
                .factory(factory)
                .responseTimeout(timeout)
                .writeTimeout(timeout)
                .maxResponseLength(RESPONSE_BYTES_MAX)
                .build();
        String path = Optional.ofNullable(target.uri().getRawPath()).filter(p -> !p.isEmpty()).orElse("/")
                + (target.uri().getRawQuery() == null ? "" : "?" + target.uri().getRawQuery());
        RequestHeadersBuilder request = RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON_UTF_8)
                .add(HttpHeaderNames.USER_AGENT, "PayFlow-Webhooks/1");
        headers.forEach(request::add);
        try {
            AggregatedHttpResponse response = client.execute(request.build(), HttpData.of(StandardCharsets.UTF_8, body)).aggregate()
                    .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            return new Answer(Optional.of(response.status().code()), Optional.ofNullable(response.headers().get(HttpHeaderNames.LOCATION)),
                    Optional.ofNullable(response.headers().get(HttpHeaderNames.RETRY_AFTER)), response.contentUtf8(), Optional.empty());
        } catch (TimeoutException e) {
            return failed("no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted while sending (the process is stopping)");
        } catch (ExecutionException e) {
            return failed(describe(e.getCause()));
        }
    }

    private static Answer failed(String error) {
        return new Answer(Optional.empty(), Optional.empty(), Optional.empty(), "", Optional.of(error));
    }

    private String describe(Throwable cause) {
        String name = cause.getClass().getSimpleName();
        if (name.contains("ResponseTimeout")) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (name.contains("ContentTooLarge")) {
            return "the answer was larger than " + RESPONSE_BYTES_MAX + " bytes";
        }
        String message = cause.getMessage();
        return name + (message == null ? "" : ": " + (message.length() > 300 ? message.substring(0, 300) : message));
    }

    @Override
    public void close() {
        factory.close();
    }
}
