package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A dispute (chargeback) of a payment, as its gateway reports it. Its status follows the
 * gateway's events; money moves only when the gateway moves it: the withdrawal (the wallet first,
 * down to zero, the shortfall from the partner's settlement account, and the gateway's dispute
 * fee from settlement), and the reinstatement (the withdrawn amount back to where it came from).
 *
 * @param withdrawnFromWalletMinor     present once the funds were withdrawn; with the settlement part and the fee
 */
public record Dispute(String providerDisputeId, String paymentId, PartnerScope scope, String provider, String status, String reason,
        Money amount, Optional<Long> withdrawnFromWalletMinor, Optional<Long> withdrawnFromSettlementMinor, Optional<Long> feeMinor,
        boolean reinstated, Instant createdAt, Instant updatedAt) {

    /** The gateway's statuses after which a dispute does not change again (an older event never takes one back). */
    public static final Set<String> FINAL_STATUSES = Set.of("won", "lost", "warning_closed", "prevented");

    public Dispute {
        Objects.requireNonNull(providerDisputeId, "providerDisputeId");
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(amount, "amount");
    }

    public boolean withdrawn() {
        return withdrawnFromWalletMinor.isPresent();
    }
}
