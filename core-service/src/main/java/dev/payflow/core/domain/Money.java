package dev.payflow.core.domain;

import java.util.Objects;

/**
 * An amount of one currency in integer minor units (cents for USD, yen for JPY). The only place
 * where decimal strings become minor units and back: no floating point, no BigDecimal arithmetic.
 */
public record Money(long minorUnits, CurrencyUnit currency) {
    /**
     * The largest amount one transaction may move, in minor units: 10^14 (a trillion dollars in
     * cents), far above any real payment, and small enough that 90,000 such amounts still fit in a
     * long, so balances cannot silently overflow (additions use Math.addExact regardless).
     */
    public static final long TRANSACTION_AMOUNT_MINOR_MAX = 100_000_000_000_000L;

    /**
     * The largest balance a wallet may hold, in minor units: 10^15, ten times the largest single
     * transaction, and four orders of magnitude below where a long overflows, so a balance can never
     * silently wrap. A credit that would pass it is refused with BALANCE_LIMIT_EXCEEDED.
     */
    public static final long WALLET_BALANCE_MINOR_MAX = 1_000_000_000_000_000L;

    /** Longest accepted amount string: 15 integer digits, the point and 4 decimals, with room. */
    private static final int AMOUNT_TEXT_LENGTH_MAX = 24;

    public Money {
        Objects.requireNonNull(currency, "currency");
    }

    public static Money zero(CurrencyUnit currency) {
        return new Money(0, currency);
    }

    /**
     * Parses a positive decimal string with at most the currency's decimals ("50.00" or "50" USD,
     * "1500" JPY, "1.250" KWD). Rejects zero, negatives, signs, exponents, spaces, leading zeros
     * ("050"), a trailing point ("50."), too many decimals ("50.001" USD, "1.5" JPY) and amounts
     * above {@link #TRANSACTION_AMOUNT_MINOR_MAX}, all with INVALID_AMOUNT.
     */
    public static Money parsePositive(String text, CurrencyUnit currency) {
        Objects.requireNonNull(currency, "currency");
        if (text == null || text.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "amount is required (expected: a decimal string such as \"50.00\")");
        }
        if (text.length() > AMOUNT_TEXT_LENGTH_MAX) {
            throw invalid(text, currency, "too long");
        }
        int point = text.indexOf('.');
        String integerPart = point < 0 ? text : text.substring(0, point);
        String fractionPart = point < 0 ? "" : text.substring(point + 1);
        if (!isDigits(integerPart) || (point >= 0 && !isDigits(fractionPart))) {
            throw invalid(text, currency, "not a plain decimal number");
        }
        if (integerPart.length() > 1 && integerPart.charAt(0) == '0') {
            throw invalid(text, currency, "leading zeros");
        }
        if (fractionPart.length() > currency.fractionDigits()) {
            throw invalid(text, currency, currency.fractionDigits() == 0
                    ? currency.code() + " has no decimals"
                    : currency.code() + " has at most " + currency.fractionDigits() + " decimals");
        }
        long minor = 0;
        try {
            for (int i = 0; i < integerPart.length(); i++) {
                minor = Math.addExact(Math.multiplyExact(minor, 10), integerPart.charAt(i) - '0');
            }
            for (int i = 0; i < currency.fractionDigits(); i++) {
                int digit = i < fractionPart.length() ? fractionPart.charAt(i) - '0' : 0;
                minor = Math.addExact(Math.multiplyExact(minor, 10), digit);
            }
        } catch (ArithmeticException overflow) {
            throw invalid(text, currency, "too large");
        }
        if (minor == 0) {
            throw invalid(text, currency, "must be greater than zero");
        }
        if (minor > TRANSACTION_AMOUNT_MINOR_MAX) {
            throw invalid(text, currency, "above the maximum of " + new Money(TRANSACTION_AMOUNT_MINOR_MAX, currency).format());
        }
        return new Money(minor, currency);
    }

    /** The amount as a decimal string with exactly the currency's decimals: "0.00" USD, "0" JPY, "-5.00". */
    public String format() {
        int digits = currency.fractionDigits();
        String magnitude = Long.toString(minorUnits).replace("-", "");
        if (digits > 0) {
            if (magnitude.length() <= digits) {
                magnitude = "0".repeat(digits - magnitude.length() + 1) + magnitude;
            }
            magnitude = magnitude.substring(0, magnitude.length() - digits) + "." + magnitude.substring(magnitude.length() - digits);
        }
        return minorUnits < 0 ? "-" + magnitude : magnitude;
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.addExact(minorUnits, other.minorUnits), currency);
    }

    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.subtractExact(minorUnits, other.minorUnits), currency);
    }

    public Money negate() {
        return new Money(Math.negateExact(minorUnits), currency);
    }

    public boolean isNegative() {
        return minorUnits < 0;
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("currency mismatch: " + currency + " and " + other.currency);
        }
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static PayflowException invalid(String text, CurrencyUnit currency, String why) {
        return PayflowException.of(ErrorReason.INVALID_AMOUNT, "amount: %s is not a valid %s amount: %s",
                Strings.forMessage(text), currency.code(), why);
    }

    @Override
    public String toString() {
        return format() + " " + currency.code();
    }
}
