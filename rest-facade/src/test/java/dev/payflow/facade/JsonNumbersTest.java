package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Integral metadata numbers print as integers, and responses without any such number are left as printed. */
class JsonNumbersTest {

    @Test
    void integralDoublesPrintAsIntegersAndOtherNumbersStay() {
        String rewritten = JsonNumbers.integralNumbersAsIntegers("{\"metadata\": {\"n\": 8.0, \"big\": 1.5E10, \"half\": 12.5}}");

        assertThat(rewritten).contains("\"n\": 8").doesNotContain("8.0").contains("15000000000").contains("12.5");
    }

    @Test
    void textThatOnlyLooksLikeANumberInsideAStringIsNotANumber() {
        String json = "{\"description\": \"release 1.0 \\\" and 2e5\", \"code\": 9}";

        assertThat(JsonNumbers.hasFractionOrExponent(json)).isFalse();
        assertThat(JsonNumbers.integralNumbersAsIntegers(json)).isSameAs(json);
    }

    @Test
    void aNumberWithAFractionOrExponentOutsideStringsIsFound() {
        assertThat(JsonNumbers.hasFractionOrExponent("{\"a\": \"x\", \"n\": 8.0}")).isTrue();
        assertThat(JsonNumbers.hasFractionOrExponent("[1e3]")).isTrue();
        assertThat(JsonNumbers.hasFractionOrExponent("{\"amount\": \"50.00\", \"code\": 9}")).isFalse();
    }

    @Test
    void theCompactFormStaysOnOneLineForEventBodiesAndExportLines() {
        String rewritten = JsonNumbers.integralNumbersAsIntegersCompact("{\"metadata\":{\"n\":8.0,\"half\":12.5,\"tag\":\"<b>\"}}");

        assertThat(rewritten).isEqualTo("{\"metadata\":{\"n\":8,\"half\":12.5,\"tag\":\"<b>\"}}");
        String none = "{\"amount\":\"50.00\"}";
        assertThat(JsonNumbers.integralNumbersAsIntegersCompact(none)).isSameAs(none);
    }
}
