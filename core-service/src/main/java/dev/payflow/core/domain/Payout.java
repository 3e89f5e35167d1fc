package dev.payflow.core.domain;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Money on its way from a wallet to the bank account of a connected account, as PayFlow knows it.
 * The steps at the gateway are a transfer to the connected account ({@code providerTransferId}),
 * then, for an Express account, a payout to its bank ({@code providerPayoutId}); Standard accounts
 * pay out on their own, so theirs is paid once transferred. A failed or cancelled payout owes the
 * wallet its money until {@code returnTransactionId} is set; a transfer already made is reversed
 * first ({@code providerTransferReversalId}).
 *
 * @param transferBooked whether the transfer was booked (payouts_in_transit to gateway_clearing); a
 *                       transfer that answered after a cancel is only reversed, never booked
 * @param nextAttemptAt  when the payout worker takes the next step; empty: nothing to do until the
 *                       gateway reports
 */
public record Payout(String id, PartnerScope scope, String walletId, String connectedAccountId, Optional<String> externalUserId,
        String provider, String providerAccountId, ConnectedAccount.Type accountType, PayoutStatus status, Money amount,
        String description, String idempotencyKey, String metadataJson, String holdTransactionId, Optional<String> providerTransferId,
        boolean transferBooked, Optional<String> providerTransferReversalId, Optional<String> providerPayoutId,
        Optional<String> providerPayoutStatus, Optional<Instant> arrivalDate, Optional<String> failureCode, Optional<String> failureMessage,
        Optional<String> returnTransactionId, int attempts, Optional<Instant> nextAttemptAt, Instant createdAt, Instant updatedAt,
        List<StatusChange> statusHistory) {

    public Payout {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(walletId, "walletId");
        Objects.requireNonNull(connectedAccountId, "connectedAccountId");
        Objects.requireNonNull(externalUserId, "externalUserId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerAccountId, "providerAccountId");
        Objects.requireNonNull(accountType, "accountType");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(metadataJson, "metadataJson");
        Objects.requireNonNull(holdTransactionId, "holdTransactionId");
        Objects.requireNonNull(providerTransferId, "providerTransferId");
        Objects.requireNonNull(providerTransferReversalId, "providerTransferReversalId");
        Objects.requireNonNull(providerPayoutId, "providerPayoutId");
        Objects.requireNonNull(providerPayoutStatus, "providerPayoutStatus");
        Objects.requireNonNull(arrivalDate, "arrivalDate");
        Objects.requireNonNull(failureCode, "failureCode");
        Objects.requireNonNull(failureMessage, "failureMessage");
        Objects.requireNonNull(returnTransactionId, "returnTransactionId");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        statusHistory = List.copyOf(statusHistory);
        if (transferBooked && providerTransferId.isEmpty()) {
            throw new IllegalArgumentException("payout " + id + ": a booked transfer has a gateway id");
        }
        if (returnTransactionId.isPresent() && !status.returnsMoney()) {
            throw new IllegalArgumentException("payout " + id + ": money returned while " + status.wireName());
        }
    }

    /** Whether PayFlow makes the bank payout itself (Express), or the account pays out on its own (Standard). */
    public boolean paysOutToBank() {
        return accountType == ConnectedAccount.Type.EXPRESS;
    }

    /** Failed or cancelled, and the wallet has not had its money back yet. */
    public boolean owesMoneyBack() {
        return status.returnsMoney() && returnTransactionId.isEmpty();
    }

    /** The ledger transactions of the payout: the hold, then the return, if any. */
    public List<String> transactionIds() {
        return returnTransactionId.isPresent() ? List.of(holdTransactionId, returnTransactionId.get()) : List.of(holdTransactionId);
    }

    /** The gateway's reference for what left: its payout, or the transfer for a transfer-only payout. */
    public Optional<String> gatewayReference() {
        return providerPayoutId.isPresent() ? providerPayoutId : providerTransferId;
    }

    /** A copy to change: the fields that change after creation, each set at most once per edit. */
    public Edit edit() {
        return new Edit(this);
    }

    /** The changing fields of a payout, copied from it; {@link #build} checks the whole again. */
    public static final class Edit {
        private final Payout from;
        public PayoutStatus status;
        public Optional<String> providerTransferId;
        public boolean transferBooked;
        public Optional<String> providerTransferReversalId;
        public Optional<String> providerPayoutId;
        public Optional<String> providerPayoutStatus;
        public Optional<Instant> arrivalDate;
        public Optional<String> failureCode;
        public Optional<String> failureMessage;
        public Optional<String> returnTransactionId;
        public int attempts;
        public Optional<Instant> nextAttemptAt;

        private Edit(Payout from) {
            this.from = from;
            status = from.status;
            providerTransferId = from.providerTransferId;
            transferBooked = from.transferBooked;
            providerTransferReversalId = from.providerTransferReversalId;
            providerPayoutId = from.providerPayoutId;
            providerPayoutStatus = from.providerPayoutStatus;
            arrivalDate = from.arrivalDate;
            failureCode = from.failureCode;
            failureMessage = from.failureMessage;
            returnTransactionId = from.returnTransactionId;
            attempts = from.attempts;
            nextAttemptAt = from.nextAttemptAt;
        }

        public Payout build(Instant now) {
            return new Payout(from.id, from.scope, from.walletId, from.connectedAccountId, from.externalUserId, from.provider,
                    from.providerAccountId, from.accountType, status, from.amount, from.description, from.idempotencyKey, from.metadataJson,
                    from.holdTransactionId, providerTransferId, transferBooked, providerTransferReversalId, providerPayoutId,
                    providerPayoutStatus, arrivalDate, failureCode, failureMessage, returnTransactionId, attempts, nextAttemptAt,
                    from.createdAt, now, from.statusHistory);
        }
    }

    public enum Cause {
        API,
        GATEWAY,
        WEBHOOK,
        RECOVERY;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Cause fromWireName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * One line of the payout's history: a status change, or a step retried in the same status
     * ({@code detail} says what the gateway answered).
     */
    public record StatusChange(PayoutStatus status, Instant at, Cause cause, String causeId, String detail) {
        public StatusChange {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(causeId, "causeId");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
