package dev.payflow.core.domain;

import java.util.Currency;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An ISO 4217 currency and the number of decimals its amounts have (USD 2, JPY 0, KWD 3), which
 * decides how amounts are parsed and formatted.
 */
public record CurrencyUnit(String code, int fractionDigits) {
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");

    /**
     * Codes that are ISO 4217 but are not money a wallet can hold: precious metals, SDRs, the test
     * and no-currency codes, and the bond-market units. The JDK reports most of them with -1 decimals.
     */
    private static final Set<String> NOT_MONEY = Set.of("XTS", "XXX", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD");

    public CurrencyUnit {
        Objects.requireNonNull(code, "code");
        if (fractionDigits < 0 || fractionDigits > 4) {
            throw new IllegalArgumentException("fractionDigits: " + fractionDigits + " (expected: 0..4)");
        }
    }

    /** The currency for an upper-case ISO 4217 code, or UNSUPPORTED_CURRENCY. */
    public static CurrencyUnit of(String code) {
        if (code == null || code.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "currency is required (expected: an ISO 4217 code such as USD)");
        }
        if (!CODE.matcher(code).matches()) {
            throw PayflowException.of(ErrorReason.UNSUPPORTED_CURRENCY,
                    "currency: %s (expected: a three-letter upper-case ISO 4217 code such as USD)", Strings.forMessage(code));
        }
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException unknown) {
            throw PayflowException.of(ErrorReason.UNSUPPORTED_CURRENCY, "currency: %s is not an ISO 4217 currency", code);
        }
        int digits = currency.getDefaultFractionDigits();
        if (digits < 0 || NOT_MONEY.contains(code)) {
            throw PayflowException.of(ErrorReason.UNSUPPORTED_CURRENCY, "currency: %s is not supported for wallets", code);
        }
        return new CurrencyUnit(code, digits);
    }

    @Override
    public String toString() {
        return code;
    }
}
