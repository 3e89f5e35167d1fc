package dev.payflow.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MoneyTest {

    @ParameterizedTest(name = "{0} {1} is {2} minor units and formats as {3}")
    @CsvSource({
            "50.00, USD, 5000, 50.00",
            "50, USD, 5000, 50.00",
            "50.5, USD, 5050, 50.50",
            "0.01, USD, 1, 0.01",
            "1500, JPY, 1500, 1500",
            "1, JPY, 1, 1",
            "1.250, KWD, 1250, 1.250",
            "0.001, KWD, 1, 0.001",
            "12.5, KWD, 12500, 12.500",
            "1000000000000.00, USD, 100000000000000, 1000000000000.00",
    })
    void validAmountsParseToMinorUnitsAndFormatWithTheCurrencysDecimals(String text, String currency, long minor, String formatted) {
        Money money = Money.parsePositive(text, CurrencyUnit.of(currency));

        assertThat(money.minorUnits()).isEqualTo(minor);
        assertThat(money.format()).isEqualTo(formatted);
    }

    @ParameterizedTest(name = "{0} {1} is rejected")
    @CsvSource(delimiter = '|', value = {
            "50.001 | USD",
            "1.5 | JPY",
            "100.0 | JPY",
            "1.2345 | KWD",
            "0 | USD",
            "0.00 | USD",
            "0 | JPY",
            "-5 | USD",
            "-0.01 | USD",
            "+5 | USD",
            "1e3 | USD",
            "1E3 | USD",
            "abc | USD",
            "' 5' | USD",
            "'5 ' | USD",
            "5. | USD",
            ".5 | USD",
            "050 | USD",
            "5,00 | USD",
            "1_000 | USD",
            "NaN | USD",
            "Infinity | USD",
            "0x10 | USD",
            "٥ | USD",
            "99999999999999999999 | USD",
            "1000000000000.01 | USD",
            "92233720368547758.08 | USD",
    })
    void malformedZeroNegativeOverlongAndOverflowingAmountsAreInvalidAmount(String text, String currency) {
        PayflowException failure = catchThrowableOfType(PayflowException.class, () -> Money.parsePositive(text, CurrencyUnit.of(currency)));

        assertThat(failure).as("%s %s", text, currency).isNotNull();
        assertThat(failure.reason()).isEqualTo(ErrorReason.INVALID_AMOUNT);
        assertThat(failure.getMessage()).contains("amount:");
    }

    @ParameterizedTest(name = "amount \"{0}\" is missing")
    @CsvSource({"''"})
    void anEmptyAmountIsAMissingField(String text) {
        PayflowException failure = catchThrowableOfType(PayflowException.class, () -> Money.parsePositive(text, CurrencyUnit.of("USD")));

        assertThat(failure.reason()).isEqualTo(ErrorReason.MISSING_FIELD);
    }

    @ParameterizedTest(name = "{0} minor units of {1} format as {2}")
    @CsvSource({"0, USD, 0.00", "0, JPY, 0", "0, KWD, 0.000", "5, USD, 0.05", "-5, USD, -0.05", "-12345, KWD, -12.345", "7, JPY, 7"})
    void formattingAlwaysShowsExactlyTheCurrencysDecimals(long minor, String currency, String expected) {
        assertThat(new Money(minor, CurrencyUnit.of(currency)).format()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} has {1} decimals")
    @CsvSource({"USD, 2", "EUR, 2", "JPY, 0", "KRW, 0", "ISK, 0", "CLP, 0", "KWD, 3", "BHD, 3", "TND, 3", "OMR, 3"})
    void eachCurrencyHasItsIso4217MinorUnits(String code, int decimals) {
        assertThat(CurrencyUnit.of(code).fractionDigits()).isEqualTo(decimals);
    }

    @ParameterizedTest(name = "currency {0} is {1}")
    @CsvSource({"USD, ", "JPY, ", "KWD, ", "EUR, ", "usd, UNSUPPORTED_CURRENCY", "ABC, UNSUPPORTED_CURRENCY", "US, UNSUPPORTED_CURRENCY",
            "XAU, UNSUPPORTED_CURRENCY", "XXX, UNSUPPORTED_CURRENCY", "XTS, UNSUPPORTED_CURRENCY", "'', MISSING_FIELD",
            "DEM, UNSUPPORTED_CURRENCY", "ESP, UNSUPPORTED_CURRENCY", "HRK, UNSUPPORTED_CURRENCY", "ANG, UNSUPPORTED_CURRENCY",
            "USN, UNSUPPORTED_CURRENCY", "CLF, UNSUPPORTED_CURRENCY", "BOV, UNSUPPORTED_CURRENCY", "XCG, ", "SLE, ", "ZWG, "})
    void onlyIso4217MoneyCurrenciesAreSupported(String code, String reason) {
        PayflowException failure = catchThrowableOfType(PayflowException.class, () -> CurrencyUnit.of(code));

        if (reason == null) {
            assertThat(failure).isNull();
        } else {
            assertThat(failure.reason()).isEqualTo(ErrorReason.valueOf(reason));
        }
    }
}
