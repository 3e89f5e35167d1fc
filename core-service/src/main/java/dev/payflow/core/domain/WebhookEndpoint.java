package dev.payflow.core.domain;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A partner's webhook endpoint for one mode. The secrets are held encrypted; only the webhook
 * package's secret box opens them.
 *
 * @param eventTypes     subscribed types; empty means all
 * @param secretRevealed whether the secret was ever shown (not for an endpoint made from the onboarding webhookUrl)
 */
public record WebhookEndpoint(PartnerScope scope, String url, List<String> eventTypes, boolean enabled, Status status,
        byte[] secretCiphertext, String secretPrefix, boolean secretRevealed, Optional<byte[]> previousSecretCiphertext, Optional<Instant> previousSecretExpiresAt,
        Optional<Instant> failingSince, String disabledReason, Instant createdAt, Instant updatedAt) {
    public WebhookEndpoint {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(url, "url");
        eventTypes = List.copyOf(eventTypes);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(secretCiphertext, "secretCiphertext");
        if (previousSecretCiphertext.isPresent() != previousSecretExpiresAt.isPresent()) {
            throw new IllegalArgumentException("a previous secret comes with its expiry");
        }
    }

    public boolean subscribesTo(String type) {
        return eventTypes.isEmpty() || eventTypes.contains(type);
    }

    /** The health of an endpoint, from its recent attempts; the wire names are the contract's. */
    public enum Status {
        ACTIVE, FAILING, DISABLED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status fromWireName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }
}
