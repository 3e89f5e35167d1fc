package dev.payflow.core.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PlatformFee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The platform fee: basis points of the amount, rounded half-up to the currency's minor unit. */
class PlatformFeeTest {

    @ParameterizedTest(name = "{0} {1} at {2} bps -> {3}")
    @CsvSource({
            // USD, 2 decimals: 100.5 cents rounds up to 101; 100.4 down to 100.
            "USD, 10.05, 1000, 1.01",
            "USD, 10.04, 1000, 1.00",
            "USD, 50.00, 1000, 5.00",
            "USD, 0.01, 1000, 0.00",
            "USD, 0.05, 1000, 0.01",
            "USD, 19.99, 290, 0.58",
            // JPY, no decimals: 100.5 yen rounds up to 101.
            "JPY, 1005, 1000, 101",
            "JPY, 1004, 1000, 100",
            "JPY, 1, 5000, 1",
            // KWD, 3 decimals: 25.125 fils rounds down to 25, 25.5 up to 26.
            "KWD, 1.005, 250, 0.025",
            "KWD, 1.020, 250, 0.026",
            "KWD, 12.345, 1000, 1.235",
            "USD, 10.00, 0, 0.00",
            "USD, 10.00, 10000, 10.00",
    })
    void theFeeIsTheBasisPointsOfTheAmountRoundedHalfUpInMinorUnits(String currency, String amount, int basisPoints, String fee) {
        CurrencyUnit unit = CurrencyUnit.of(currency);
        assertThat(PlatformFee.of(Money.parsePositive(amount, unit), basisPoints).format()).isEqualTo(fee);
    }

    @Test
    void basisPointsOutsideZeroToTenThousandAreRefused() {
        Money amount = Money.parsePositive("1.00", CurrencyUnit.of("USD"));
        assertThatThrownBy(() -> PlatformFee.of(amount, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PlatformFee.of(amount, 10_001)).isInstanceOf(IllegalArgumentException.class);
    }
}
