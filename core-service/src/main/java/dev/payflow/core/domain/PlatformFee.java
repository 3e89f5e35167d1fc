package dev.payflow.core.domain;

/**
 * The platform's fee on a payment routed to a connected account: the partner's
 * {@code platformFeeBasisPoints} of the amount, rounded half-up to the currency's minor unit (the
 * amount is in minor units already, so the currency's decimals are respected by construction:
 * USD cents, JPY yen, KWD fils). Exact integer arithmetic, never floating point.
 */
public final class PlatformFee {
    /** 10000 basis points are the whole amount. */
    public static final int BASIS_POINTS_MAX = 10_000;

    private PlatformFee() {
    }

    public static Money of(Money amount, int basisPoints) {
        if (basisPoints < 0 || basisPoints > BASIS_POINTS_MAX) {
            throw new IllegalArgumentException("basisPoints: " + basisPoints + " (expected: 0.." + BASIS_POINTS_MAX + ")");
        }
        if (amount.minorUnits() < 0) {
            throw new IllegalArgumentException("amount: " + amount.format() + " (expected: not negative)");
        }
        // Half-up: add half of the divisor before the integer division. multiplyExact: an amount near Long.MAX_VALUE fails loudly.
        long fee = Math.addExact(Math.multiplyExact(amount.minorUnits(), (long) basisPoints), BASIS_POINTS_MAX / 2) / BASIS_POINTS_MAX;
        return new Money(fee, amount.currency());
    }
}
