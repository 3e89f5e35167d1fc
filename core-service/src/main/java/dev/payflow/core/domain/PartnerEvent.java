package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An event for a partner's webhook endpoint, as recorded in the outbox.
 *
 * @param body          the JSON envelope, byte for byte what every attempt sends
 * @param attemptCount  attempts made so far (replays included)
 * @param nextAttemptAt when the next attempt is due; present exactly while {@code pending}
 */
public record PartnerEvent(String id, PartnerScope scope, String type, String body, Instant createdAt, DeliveryStatus deliveryStatus,
        int attemptCount, Optional<Instant> nextAttemptAt, Optional<Instant> deliveredAt) {
    public PartnerEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(deliveryStatus, "deliveryStatus");
        if ((deliveryStatus == DeliveryStatus.PENDING) != nextAttemptAt.isPresent()) {
            throw new IllegalArgumentException("event " + id + " is " + deliveryStatus + " with nextAttemptAt " + nextAttemptAt);
        }
    }

    /** Where an event is on its way to the partner; the wire names are the contract's. */
    public enum DeliveryStatus {
        PENDING, DELIVERED, FAILED, SKIPPED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static DeliveryStatus fromWireName(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One delivery attempt, as recorded. {@code httpStatus} is empty when no answer came. */
    public record Attempt(String eventId, int number, String url, Instant attemptedAt, Optional<Integer> httpStatus, long latencyMs,
            boolean succeeded, String error, String responseExcerpt) {
        public Attempt {
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(responseExcerpt, "responseExcerpt");
        }
    }
}
