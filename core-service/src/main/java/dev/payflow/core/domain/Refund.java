package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Money given back from a captured payment. It is booked (taken from the wallet or settlement
 * account back to the gateway's clearing account) when it is asked for; one the gateway fails
 * is reversed in the books by a new transaction.
 *
 * @param transactionId the refund's ledger transaction
 */
public record Refund(String id, String paymentId, PartnerScope scope, Status status, Money amount, String reason,
        Optional<String> providerRefundId, String idempotencyKey, String transactionId, Instant createdAt, Instant updatedAt) {

    /** The reasons a partner may give, as the gateway names them. */
    public static final Set<String> REASONS = Set.of("duplicate", "fraudulent", "requested_by_customer");

    public Refund {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(transactionId, "transactionId");
        if (!REASONS.contains(reason)) {
            throw new IllegalArgumentException("refund reason " + reason);
        }
    }

    public enum Status {
        PENDING,
        SUCCEEDED,
        FAILED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status fromWireName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }
}
