package dev.payflow.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PayflowException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Amount parsing, {@link Money#parsePositive}, with every currency wallets can hold: it never throws
 * anything but INVALID_AMOUNT (MISSING_FIELD for an empty text), accepts only plain decimals within
 * the limits, and parse → format → parse gives the same amount and the same text.
 */
class AmountFuzzTest {
    /** Every supported currency, found by asking {@link CurrencyUnit#of} about every three-letter code. */
    private static final List<CurrencyUnit> CURRENCIES = supportedCurrencies();
    private static final Pattern PLAIN_DECIMAL = Pattern.compile("(0|[1-9][0-9]*)(\\.[0-9]+)?");

    @FuzzTest(maxDuration = "2m")
    void parsePositive(byte[] data) {
        String text = new FuzzBytes(data).restAsText();
        for (CurrencyUnit currency : CURRENCIES) {
            check(text, currency);
        }
    }

    @Test
    void parsePositiveOnSeededMutationsOfTheCorpus() {
        BoundedFuzz.run(AmountFuzzTest.class, "parsePositive", BoundedFuzz.seed(), BoundedFuzz.DOMAIN_EXECUTIONS / 10, this::parsePositive);
    }

    @Test
    void everyCurrencyIsExercised() {
        assertThat(CURRENCIES).hasSizeGreaterThan(150).extracting(CurrencyUnit::fractionDigits).contains(0, 2, 3);
    }

    private static void check(String text, CurrencyUnit currency) {
        Money money;
        try {
            money = Money.parsePositive(text, currency);
        } catch (PayflowException refused) {
            assertThat(refused.reason()).as("reason for %s", text)
                    .isEqualTo(text.isEmpty() ? ErrorReason.MISSING_FIELD : ErrorReason.INVALID_AMOUNT);
            return;
        }
        assertThat(text).as("accepted text").matches(PLAIN_DECIMAL);
        assertThat(money.currency()).isEqualTo(currency);
        assertThat(money.minorUnits()).as("%s %s", text, currency).isBetween(1L, Money.TRANSACTION_AMOUNT_MINOR_MAX);
        String formatted = money.format();
        Money again = Money.parsePositive(formatted, currency);
        assertThat(again).as("parse(format(parse(%s)))", text).isEqualTo(money);
        assertThat(again.format()).isEqualTo(formatted);
    }

    private static List<CurrencyUnit> supportedCurrencies() {
        List<CurrencyUnit> currencies = new ArrayList<>();
        for (char a = 'A'; a <= 'Z'; a++) {
            for (char b = 'A'; b <= 'Z'; b++) {
                for (char c = 'A'; c <= 'Z'; c++) {
                    try {
                        currencies.add(CurrencyUnit.of("" + a + b + c));
                    } catch (PayflowException notSupported) {
                        // Not a currency wallets hold.
                    }
                }
            }
        }
        return List.copyOf(currencies);
    }
}
