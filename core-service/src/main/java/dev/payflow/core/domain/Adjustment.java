package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A manual correction of one wallet, with four eyes: proposed by one operator, approved (then
 * booked or failed) or rejected by another.
 */
public record Adjustment(String id, PartnerScope scope, String walletId, Money amount, Direction direction, String reason, String idempotencyKey,
        Status status, String proposedBy, Instant proposedAt, Optional<String> decidedBy, Optional<Instant> decidedAt, String decisionReason,
        Optional<String> transactionId, String failureReason) {

    public enum Direction {
        CREDIT,
        DEBIT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Direction> fromWireName(String name) {
            return Arrays.stream(values()).filter(d -> d.wireName().equals(name)).findFirst();
        }
    }

    public enum Status {
        PROPOSED,
        APPROVED,
        BOOKED,
        FAILED,
        REJECTED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Status> fromWireName(String name) {
            return Arrays.stream(values()).filter(s -> s.wireName().equals(name)).findFirst();
        }
    }

    public Adjustment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(proposedBy, "proposedBy");
        if (status == Status.BOOKED && transactionId.isEmpty()) {
            throw new IllegalArgumentException("a booked adjustment names its transaction");
        }
        if (decidedBy.isPresent() && decidedBy.get().equals(proposedBy)) {
            throw new IllegalArgumentException("adjustment " + id + " was decided by its own proposer");
        }
    }
}
