package dev.payflow.core.domain;

import java.util.Objects;

/**
 * A payment routed to a connected account (a destination charge): the account, and the
 * platform's fee kept from it ({@link PlatformFee#of}); the rest goes to the connected account at
 * the gateway and never enters a wallet.
 */
public record PaymentRoute(String paymentId, String connectedAccountId, Money platformFee) {
    public PaymentRoute {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(connectedAccountId, "connectedAccountId");
        Objects.requireNonNull(platformFee, "platformFee");
    }

    /**
     * The part of the fee that a refund gives back, when the payment's refunded amount goes from
     * {@code refundedBeforeMinor} to {@code refundedAfterMinor}: the fee's share of each, rounded
     * half-up, so the shares of all refunds add up to exactly the fee once the payment is refunded in full.
     */
    public long feeShareMinor(long amountMinor, long refundedBeforeMinor, long refundedAfterMinor) {
        return share(amountMinor, refundedAfterMinor) - share(amountMinor, refundedBeforeMinor);
    }

    private long share(long amountMinor, long refundedMinor) {
        // round(fee * refunded / amount), half-up, exactly: (2 * fee * refunded + amount) / (2 * amount).
        long doubled = Math.multiplyExact(Math.multiplyExact(platformFee.minorUnits(), refundedMinor), 2L);
        return Math.addExact(doubled, amountMinor) / Math.multiplyExact(amountMinor, 2L);
    }
}
