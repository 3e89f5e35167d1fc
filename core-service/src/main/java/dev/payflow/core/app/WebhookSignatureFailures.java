package dev.payflow.core.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Counts gateway webhooks refused for their signature, by provider:
 * {@code payflow_webhook_signature_failures_total{provider}} (a rotated secret, or forgery). The
 * alert {@code PayflowWebhookSignatureFailures} groups on {@code provider}, so every intake
 * (Stripe's, PayPal's) counts here under its own provider name.
 */
public interface WebhookSignatureFailures {
    WebhookSignatureFailures NONE = provider -> {
    };

    void count(String provider);

    static WebhookSignatureFailures in(MeterRegistry meters) {
        Objects.requireNonNull(meters, "meters");
        return provider -> Counter.builder("payflow.webhook.signature.failures")
                .description("Gateway webhooks refused because their signature did not verify, by provider")
                .tag("provider", provider).register(meters).increment();
    }
}
