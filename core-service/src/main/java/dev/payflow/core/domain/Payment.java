package dev.payflow.core.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Money coming in through a payment gateway, as recorded: what was asked, what the gateway said,
 * and (once captured) the ledger transaction that booked it.
 *
 * @param walletId      the wallet it funds; empty: the partner's settlement account
 * @param transactionId the ledger transaction of the captured money; present exactly when captured
 */
public record Payment(String id, PartnerScope scope, PaymentStatus status, Money amount, long amountRefundedMinor, String provider,
        Optional<String> providerPaymentId, String paymentMethod, Optional<String> customer, Optional<String> walletId, boolean capture,
        Optional<String> returnUrl, String description, String idempotencyKey, String metadataJson, Optional<String> transactionId,
        Optional<NextAction> nextAction, Optional<String> failureCode, Optional<String> failureMessage, Instant createdAt, Instant updatedAt,
        List<StatusChange> statusHistory) {

    public Payment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(provider, "provider");
        statusHistory = List.copyOf(statusHistory);
        if (status.isCaptured() != transactionId.isPresent()) {
            throw new IllegalStateException("payment " + id + " is " + status.wireName() + " with transaction " + transactionId);
        }
    }

    /** What the partner's app must do for the payment to go on (3-D Secure). */
    public record NextAction(String type, Optional<String> redirectUrl) {
        public NextAction {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(redirectUrl, "redirectUrl");
        }
    }

    /** What caused a status change. */
    public enum Cause {
        API,
        GATEWAY,
        WEBHOOK,
        RECOVERY,
        /** The payment went to the partner's fallback provider, the chosen one's circuit being open; the cause id names the one it left. */
        FALLBACK;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Cause fromWireName(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One status the payment took, when, and why ({@code causeId}: a request id or a gwe_ event id, or empty). */
    public record StatusChange(PaymentStatus status, Instant at, Cause cause, String causeId) {
        public StatusChange {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(causeId, "causeId");
        }
    }
}
