package dev.payflow.core.ledger;

import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.TransactionType;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** What a movement asks of the ledger. Every field is already validated by the use case that built it. */
public sealed interface Instruction {

    MovementKind kind();

    /**
     * Money moves now from one account to another: a credit, debit or transfer (and, later,
     * payments, payouts, refunds, adjustments).
     *
     * @param gateway          the gateway that confirms the funds ({@code ""} if none)
     * @param gatewayReference the gateway's reference for the funds, given our transaction id;
     *                         only a gateway that needs no I/O may be asked inside the transaction
     */
    record Post(TransactionType type, Money amount, LedgerAccount from, LedgerAccount to, String description, String metadataJson,
            String gateway, GatewayReference gatewayReference) implements Instruction {
        /**
         * The movements that may touch no wallet: a payment's proceeds to the partner's settlement
         * account, a gateway's fee, the refund of such a payment (from settlement) and its reversal,
         * and the part of a dispute the wallet did not cover (from settlement) and its reinstatement,
         * and a payout's transfer (payouts in transit to gateway clearing, when the gateway takes it).
         */
        private static final java.util.Set<TransactionType> BETWEEN_SYSTEM_ACCOUNTS = java.util.EnumSet.of(TransactionType.PAYMENT,
                TransactionType.FEE, TransactionType.REFUND, TransactionType.REVERSAL, TransactionType.DISPUTE, TransactionType.DISPUTE_REVERSAL,
                TransactionType.PAYOUT);

        public Post {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(gatewayReference, "gatewayReference");
            // Between system accounts only for the kinds that may be (a payment without a wallet, its refunds, fees).
            if (from instanceof LedgerAccount.System && to instanceof LedgerAccount.System && !BETWEEN_SYSTEM_ACCOUNTS.contains(type)) {
                throw new IllegalArgumentException("a partner movement touches at least one wallet: " + from + " -> " + to);
            }
            if (from.equals(to)) {
                throw new IllegalArgumentException("from and to are the same account: " + from);
            }
        }

        @Override
        public MovementKind kind() {
            if (from instanceof LedgerAccount.Wallet) {
                return to instanceof LedgerAccount.Wallet ? MovementKind.TRANSFER : MovementKind.DEBIT;
            }
            return MovementKind.CREDIT;
        }
    }

    /** Reserves {@code amount} of a wallet's available balance until {@code expiresAt}. */
    record PlaceHold(String walletId, Money amount, String description, Instant expiresAt, String metadataJson) implements Instruction {
        public PlaceHold {
            Objects.requireNonNull(walletId, "walletId");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }

        @Override
        public MovementKind kind() {
            return MovementKind.PLACE_HOLD;
        }
    }

    /**
     * Takes a pending hold's funds: {@code amountMinor} of them (all if empty), to the partner's
     * settlement account or, given {@code toWalletId}, to that wallet.
     *
     * @param description the capture transaction's; the hold's own if empty
     */
    record CaptureHold(String holdId, Optional<Long> amountMinor, Optional<String> toWalletId, Optional<String> description,
            String metadataJson) implements Instruction {
        public CaptureHold {
            Objects.requireNonNull(holdId, "holdId");
            if (amountMinor.isPresent() && amountMinor.get() <= 0) {
                throw new IllegalArgumentException("a capture takes a positive amount: " + amountMinor.get());
            }
        }

        @Override
        public MovementKind kind() {
            return MovementKind.CAPTURE_HOLD;
        }
    }

    /** Releases a pending hold as {@code voided} (the partner's call) or {@code expired} (PayFlow's, at its expiry). */
    record ReleaseHold(String holdId, HoldStatus outcome) implements Instruction {
        public ReleaseHold {
            Objects.requireNonNull(holdId, "holdId");
            if (outcome != HoldStatus.VOIDED && outcome != HoldStatus.EXPIRED) {
                throw new IllegalArgumentException("a release ends as voided or expired, not " + outcome);
            }
        }

        @Override
        public MovementKind kind() {
            return MovementKind.RELEASE_HOLD;
        }
    }

    /** The gateway's reference for the funds of our transaction: the same for the same transaction id. */
    @FunctionalInterface
    interface GatewayReference {
        GatewayReference NONE = transactionId -> Optional.empty();

        Optional<String> forTransaction(String transactionId);
    }
}
