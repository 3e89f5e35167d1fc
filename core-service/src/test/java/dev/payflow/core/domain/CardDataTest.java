package dev.payflow.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CardDataTest {
    @ParameterizedTest(name = "\"{0}\" holds a card number")
    @ValueSource(strings = {
            "4242424242424242",                  // Visa, 16
            "4222222222222",                     // Visa, 13
            "378282246310005",                   // American Express, 15
            "5555555555554444",                  // Mastercard 5-series
            "2223003122003222",                  // Mastercard 2-series
            "6011111111111117",                  // Discover
            "6200000000000005",                  // UnionPay
            "3056930009020004",                  // Diners
            "4242 4242 4242 4242",               // grouped by spaces
            "4242-4242-4242-4242",               // grouped by dashes
            "card 4242424242424242 exp 12/30",   // inside a sentence
            "x4242424242424242y",                // between letters
            "order 12 4242-4242-4242-4242",      // after other digit groups
            "{\"note\":\"4242424242424242\"}",   // inside JSON
            "{\"n\":4242424242424242}",          // a JSON number
    })
    void theseHoldACardNumber(String text) {
        assertThat(CardData.holdsCardNumber(text)).isTrue();
        assertThatThrownBy(() -> CardData.refuseIn(text, "description"))
                .isInstanceOfSatisfying(PayflowException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ErrorReason.CARD_DATA_NOT_ACCEPTED);
                    assertThat(e.getMessage()).as("the refusal never echoes the value").startsWith("description:").doesNotContain("4242")
                            .doesNotContain("3782").doesNotContain("5555").doesNotContain("6011");
                });
    }

    @ParameterizedTest(name = "\"{0}\" holds no card number: {1}")
    @CsvSource(delimiter = '|', value = {
            "4242424242424241|fails the Luhn check",
            "424242424242|12 digits",
            "42424242424242424242|20 digits",
            "7242424242424245|a first digit no card network uses (7), though Luhn-valid",
            "1234567812345670|a first digit 1, though Luhn-valid",
            "0424242424242424|a first digit 0",
            "4242  4242 4242 4242|two spaces break the run",
            "4242.4242.4242.4242|dots are not a separator people use",
            "order 1234 for 12.50 USD|short numbers",
            "pm_card_visa|a token",
            "''|empty",
    })
    void theseHoldNone(String text, String why) {
        assertThat(CardData.holdsCardNumber(text)).as(why).isFalse();
        assertThat(CardData.refuseIn(text, "description")).isEqualTo(text);
    }

    @ParameterizedTest(name = "Luhn of {0} is {1}")
    @CsvSource({"79927398713, true", "79927398710, false", "0, true", "18, true", "4242424242424242, true", "4242424242424243, false"})
    void theLuhnCheckFollowsIso7812(String digits, boolean valid) {
        assertThat(CardData.luhnValid(digits.toCharArray(), digits.length())).isEqualTo(valid);
    }

    @ParameterizedTest(name = "the token \"{0}\" is a card number: {1}")
    @CsvSource(delimiter = '|', value = {
            "4242424242424242|true",
            "4242 4242 4242 4242|true",
            "' 4242-4242-4242-4242 '|true",
            "pm_1a2b4242424242424242|false",
            "pm_matrix_4242424242424242abc|false",
            "4242424242424241|false",
            "42424242424242424242|false",
            "12 4242424242424242|false",
    })
    void aTokenIsRefusedOnlyWhenItIsACardNumberAsAWhole(String token, boolean cardNumber) {
        assertThat(CardData.isCardNumber(token)).isEqualTo(cardNumber);
        if (cardNumber) {
            assertThatThrownBy(() -> CardData.refuseAsToken(token, "providerToken")).isInstanceOfSatisfying(PayflowException.class,
                    e -> assertThat(e.reason()).isEqualTo(ErrorReason.CARD_DATA_NOT_ACCEPTED));
        } else {
            assertThat(CardData.refuseAsToken(token, "providerToken")).isEqualTo(token);
        }
    }
}
