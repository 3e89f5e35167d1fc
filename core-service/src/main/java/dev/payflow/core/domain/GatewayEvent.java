package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An event received from a gateway, stored once under our own id ({@code gwe_...}) with its body
 * exactly as received.
 *
 * @param processedAt when its effect was applied; empty while it waits for the object it names
 */
public record GatewayEvent(String id, String gateway, String providerEventId, String type, boolean livemode, String payload,
        Instant receivedAt, Optional<Instant> processedAt, int attempts, Optional<String> lastError) {
    public GatewayEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(processedAt, "processedAt");
        Objects.requireNonNull(lastError, "lastError");
    }
}
