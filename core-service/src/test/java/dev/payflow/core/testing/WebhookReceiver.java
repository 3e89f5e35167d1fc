package dev.payflow.core.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A partner's webhook endpoint on loopback (the JDK's own HTTP server), for tests. It checks the
 * Standard Webhooks signature of every request with its own code (plain {@code javax.crypto},
 * not the library PayFlow signs with), and answers as the test scripts it: fail the first N
 * requests, redirect, hang, or accept.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One request as it arrived. */
    public record Received(String webhookId, String timestamp, String signatureHeader, String body, int answeredWith) {
        /** The {@code v1,...} signatures of the header (two during a secret roll). */
        public List<String> signatures() {
            return Arrays.asList(signatureHeader.split(" "));
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 500;
    private volatile Map<String, String> failureHeaders = Map.of();
    private volatile String answerBody = "ok";
    private volatile CountDownLatch hang = new CountDownLatch(0);
    private final Map<String, AtomicInteger> perId = new ConcurrentHashMap<>();

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    public static WebhookReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(Executors.newCachedThreadPool());
            WebhookReceiver receiver = new WebhookReceiver(server);
            server.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    receiver.hang.await(60, TimeUnit.SECONDS);
                    boolean fail = receiver.failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                    int status = fail ? receiver.failureStatus : 200;
                    String id = String.valueOf(exchange.getRequestHeaders().getFirst("webhook-id"));
                    receiver.received.add(new Received(id, exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                            String.valueOf(exchange.getRequestHeaders().getFirst("webhook-signature")), body, status));
                    receiver.perId.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    if (fail) {
                        receiver.failureHeaders.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                    }
                    byte[] answer = receiver.answerBody.getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(status, answer.length);
                    exchange.getResponseBody().write(answer);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                }
            });
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code http://localhost:<port><path>}. */
    public String url(String path) {
        return "http://localhost:" + server.getAddress().getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The next {@code n} requests are answered with {@code status} (and these headers). */
    public WebhookReceiver failNext(int n, int status, Map<String, String> headers) {
        failureStatus = status;
        failureHeaders = Map.copyOf(headers);
        failuresLeft.set(n);
        return this;
    }

    public WebhookReceiver failNext(int n) {
        return failNext(n, 500, Map.of());
    }

    public WebhookReceiver answerBody(String body) {
        answerBody = body;
        return this;
    }

    /** Requests wait until {@link #release()} (at most a minute): an endpoint that hangs. */
    public WebhookReceiver hang() {
        hang = new CountDownLatch(1);
        return this;
    }

    public void release() {
        hang.countDown();
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** How many requests carried each webhook-id. */
    public Map<String, Integer> countsById() {
        Map<String, Integer> counts = new java.util.HashMap<>();
        perId.forEach((id, n) -> counts.put(id, n.get()));
        return counts;
    }

    /**
     * Whether {@code signature} ({@code v1,<base64>}) is the HMAC-SHA256, keyed with the base64
     * part of {@code secret} ({@code whsec_<base64>}), of {@code id.timestamp.body}: the Standard
     * Webhooks scheme, written out here independently of any library.
     */
    public static boolean verifies(String secret, Received request, String signature) {
        if (!secret.startsWith("whsec_") || !signature.startsWith("v1,")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            byte[] expected = mac.doFinal((request.webhookId() + "." + request.timestamp() + "." + request.body())
                    .getBytes(StandardCharsets.UTF_8));
            return java.security.MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether some signature of the request verifies with this secret. */
    public static boolean signedWith(String secret, Received request) {
        return request.signatures().stream().anyMatch(s -> verifies(secret, request, s));
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
