package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Funds of a wallet reserved for a later capture. While pending, the wallet's available balance is
 * lower by {@code amount}; once resolved, the hold never changes again.
 *
 * @param captured      captures only: what was taken, at most {@code amount}
 * @param transactionId captures only: the debit or transfer that took it
 * @param toWalletId    captures into another wallet only
 */
public record Hold(String id, PartnerScope scope, String walletId, Money amount, HoldStatus status, String description,
        String idempotencyKey, String metadataJson, Instant expiresAt, Instant createdAt, Optional<Instant> resolvedAt,
        Optional<Money> captured, Optional<String> transactionId, Optional<String> toWalletId) {

    public Hold {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(status, "status");
        if (status.isResolved() != resolvedAt.isPresent()) {
            throw new IllegalArgumentException("hold " + id + " is " + status.wireName() + " but resolvedAt is " + resolvedAt);
        }
        if ((status == HoldStatus.CAPTURED) != transactionId.isPresent() || captured.isPresent() != transactionId.isPresent()) {
            throw new IllegalArgumentException("hold " + id + " is " + status.wireName() + ": captured " + captured + ", transaction " + transactionId);
        }
    }

    /** The hold as it was when placed: pending, nothing resolved. A replay of the placement answers this. */
    public Hold asPlaced() {
        return new Hold(id, scope, walletId, amount, HoldStatus.PENDING, description, idempotencyKey, metadataJson, expiresAt, createdAt,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Whether the hold can no longer be captured at {@code now}: its expiry has come. */
    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
