package dev.payflow.core.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A connected account at a payment gateway (a Stripe Connect account) of a partner, as PayFlow
 * last heard of it. Without {@code externalUserId} it is the partner's own account; with one, the
 * payout recipient of that user. Its {@link #status()} is always derived from the gateway's facts
 * ({@link ConnectedAccountStatus#derive}), never set by hand.
 *
 * @param provider          the gateway that holds it: {@code stripe} or {@code simulated}
 * @param providerAccountId the gateway's id ({@code acct_...}); empty until the gateway answered the create
 * @param type              {@code express} (created by PayFlow) or {@code standard} (connected by OAuth)
 * @param disconnectedAt    when the partner disconnected it (or the gateway deauthorised it)
 */
public record ConnectedAccount(String id, PartnerScope scope, String provider, Optional<String> providerAccountId, Type type,
        Optional<String> externalUserId, String email, String country, Optional<String> businessType, GatewayState gateway,
        String metadataJson, Instant createdAt, Instant updatedAt, Optional<Instant> disconnectedAt) {

    public enum Type {
        EXPRESS("express"),
        STANDARD("standard");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Type fromWireName(String text) {
            for (Type type : values()) {
                if (type.wireName.equals(text)) {
                    return type;
                }
            }
            throw new IllegalArgumentException("connected account type: " + text);
        }
    }

    /** What the gateway said of the account the last time it told us. */
    public record GatewayState(boolean chargesEnabled, boolean payoutsEnabled, Map<String, String> capabilities, Requirements requirements) {
        public static final GatewayState NOTHING_YET = new GatewayState(false, false, Map.of(), Requirements.NONE);

        public GatewayState {
            capabilities = Map.copyOf(capabilities);
            Objects.requireNonNull(requirements, "requirements");
        }
    }

    /** What the gateway still needs of the account holder. */
    public record Requirements(Optional<Instant> currentDeadline, List<String> currentlyDue, List<String> eventuallyDue, List<String> pastDue,
            Optional<String> disabledReason) {
        public static final Requirements NONE = new Requirements(Optional.empty(), List.of(), List.of(), List.of(), Optional.empty());

        public Requirements {
            Objects.requireNonNull(currentDeadline, "currentDeadline");
            currentlyDue = List.copyOf(currentlyDue);
            eventuallyDue = List.copyOf(eventuallyDue);
            pastDue = List.copyOf(pastDue);
            disabledReason = disabledReason.filter(reason -> !reason.isBlank());
        }
    }

    public ConnectedAccount {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerAccountId, "providerAccountId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(externalUserId, "externalUserId");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(businessType, "businessType");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(metadataJson, "metadataJson");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(disconnectedAt, "disconnectedAt");
    }

    public ConnectedAccountStatus status() {
        return ConnectedAccountStatus.derive(disconnectedAt.isPresent(), gateway.requirements().disabledReason(),
                gateway.requirements().currentlyDue(), gateway.requirements().pastDue(), gateway.chargesEnabled(), gateway.payoutsEnabled());
    }

    public boolean payoutsEnabled() {
        return gateway.payoutsEnabled() && status() != ConnectedAccountStatus.DISABLED;
    }

    public boolean chargesEnabled() {
        return gateway.chargesEnabled() && status() != ConnectedAccountStatus.DISABLED;
    }

    public boolean isDisconnected() {
        return disconnectedAt.isPresent();
    }

    public ConnectedAccount withGateway(GatewayState newState, Instant at) {
        return new ConnectedAccount(id, scope, provider, providerAccountId, type, externalUserId, email, country, businessType, newState,
                metadataJson, createdAt, at, disconnectedAt);
    }

    public ConnectedAccount withProviderAccount(String accountId, GatewayState newState, Instant at) {
        return new ConnectedAccount(id, scope, provider, Optional.of(accountId), type, externalUserId, email, country, businessType, newState,
                metadataJson, createdAt, at, disconnectedAt);
    }

    public ConnectedAccount withDetails(String newEmail, String newMetadataJson, Instant at) {
        return new ConnectedAccount(id, scope, provider, providerAccountId, type, externalUserId, newEmail, country, businessType, gateway,
                newMetadataJson, createdAt, at, disconnectedAt);
    }

    public ConnectedAccount disconnected(Instant at) {
        return new ConnectedAccount(id, scope, provider, providerAccountId, type, externalUserId, email, country, businessType, gateway,
                metadataJson, createdAt, at, Optional.of(at));
    }
}
