package dev.payflow.core.config;

import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Partner webhooks' settings (see README's configuration table). {@code production} refuses to
 * start without {@code PAYFLOW_ENCRYPTION_KEY}; development generates one under the data folder
 * when it is not set.
 *
 * @param encryptionKey        the AES-256 key for webhook secrets at rest (base64 of 32 bytes)
 * @param pollIntervalMs       how often a replica looks for due deliveries; 0 runs no delivery worker in this process
 * @param requestTimeoutMs     how long one attempt may take, connect to last byte
 * @param deliveryThreads      attempts in flight at once in this process
 * @param endpointConcurrency  attempts in flight at once to one endpoint, in this process
 */
public record WebhookConfig(Optional<byte[]> encryptionKey, long pollIntervalMs, long requestTimeoutMs, int deliveryThreads,
        int endpointConcurrency) {
    public static final int ENCRYPTION_KEY_BYTES = 32;
    /** Deliveries start within about a second of the change; a tick is one indexed query when nothing is due. */
    public static final long POLL_INTERVAL_MS_DEFAULT = 1_000;
    /** The bound: an endpoint that has not answered in 15 s has failed this attempt. */
    public static final long REQUEST_TIMEOUT_MS_MAX = 15_000;
    /** Enough to keep many healthy endpoints busy while a few hang for their full timeout. */
    public static final int DELIVERY_THREADS_DEFAULT = 16;
    private static final int DELIVERY_THREADS_MAX = 256;
    /** A burst to one partner goes out a few at a time; one hanging endpoint holds at most this many threads. */
    public static final int ENDPOINT_CONCURRENCY_DEFAULT = 4;

    public WebhookConfig {
        encryptionKey.ifPresent(key -> {
            if (key.length != ENCRYPTION_KEY_BYTES) {
                throw new PayflowConfig.ConfigException("PAYFLOW_ENCRYPTION_KEY: " + key.length + " bytes (expected: base64 of "
                        + ENCRYPTION_KEY_BYTES + " random bytes, e.g. `openssl rand -base64 32`)");
            }
        });
        if (pollIntervalMs < 0 || pollIntervalMs > 60_000) {
            throw new PayflowConfig.ConfigException("PAYFLOW_WEBHOOK_POLL_INTERVAL_MS: " + pollIntervalMs
                    + " (expected: 0..60000, 0 to run no delivery worker in this process)");
        }
        if (requestTimeoutMs < 1 || requestTimeoutMs > REQUEST_TIMEOUT_MS_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_WEBHOOK_REQUEST_TIMEOUT_MS: " + requestTimeoutMs + " (expected: 1.."
                    + REQUEST_TIMEOUT_MS_MAX + ")");
        }
        if (deliveryThreads < 1 || deliveryThreads > DELIVERY_THREADS_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_WEBHOOK_DELIVERY_THREADS: " + deliveryThreads + " (expected: 1.." + DELIVERY_THREADS_MAX + ")");
        }
        if (endpointConcurrency < 1 || endpointConcurrency > deliveryThreads) {
            throw new PayflowConfig.ConfigException("PAYFLOW_WEBHOOK_ENDPOINT_CONCURRENCY: " + endpointConcurrency + " (expected: 1.."
                    + deliveryThreads + ", at most PAYFLOW_WEBHOOK_DELIVERY_THREADS)");
        }
    }

    /** The defaults: no key given (development generates one), the worker every second, 15 s per attempt. */
    public static WebhookConfig defaults() {
        return new WebhookConfig(Optional.empty(), POLL_INTERVAL_MS_DEFAULT, REQUEST_TIMEOUT_MS_MAX, DELIVERY_THREADS_DEFAULT,
                ENDPOINT_CONCURRENCY_DEFAULT);
    }

    public WebhookConfig withPollIntervalMs(long ms) {
        return new WebhookConfig(encryptionKey, ms, requestTimeoutMs, deliveryThreads, endpointConcurrency);
    }

    public WebhookConfig withRequestTimeoutMs(long ms) {
        return new WebhookConfig(encryptionKey, pollIntervalMs, ms, deliveryThreads, endpointConcurrency);
    }

    /** Read from the environment; PayflowConfig refuses a production configuration without the key. */
    public static WebhookConfig fromEnvironment(Map<String, String> env) {
        Optional<byte[]> key = text(env, "PAYFLOW_ENCRYPTION_KEY").map(WebhookConfig::decodeKey);
        return new WebhookConfig(key,
                number(env, "PAYFLOW_WEBHOOK_POLL_INTERVAL_MS", POLL_INTERVAL_MS_DEFAULT),
                number(env, "PAYFLOW_WEBHOOK_REQUEST_TIMEOUT_MS", REQUEST_TIMEOUT_MS_MAX),
                (int) number(env, "PAYFLOW_WEBHOOK_DELIVERY_THREADS", DELIVERY_THREADS_DEFAULT),
                (int) number(env, "PAYFLOW_WEBHOOK_ENDPOINT_CONCURRENCY", ENDPOINT_CONCURRENCY_DEFAULT));
    }

    private static byte[] decodeKey(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new PayflowConfig.ConfigException("PAYFLOW_ENCRYPTION_KEY: not base64 (expected: base64 of 32 random bytes)");
        }
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        Optional<String> value = text(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new PayflowConfig.ConfigException(name + ": '" + value.get() + "' (expected: an integer)");
        }
    }
}
