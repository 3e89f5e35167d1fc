package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PercentDecodingTest {

  @ParameterizedTest(name = "{0} decodes to {1}")
  @CsvSource({
    "plain, plain",
    "a%20b, a b",
    "a+b, a+b",
    "2024-05-01T10:00:00%2B02:00, 2024-05-01T10:00:00+02:00",
    "user%2F42, user/42",
    "caf%C3%A9, café",
    "%E2%82%AC, €"
  })
  void escapesDecodeAsUtf8AndPlusStaysPlus(String raw, String decoded) {
    assertThat(PercentDecoding.decode(raw, "test")).isEqualTo(decoded);
  }

  @ParameterizedTest
  @ValueSource(strings = {"%", "%2", "%zz", "a%g0"})
  void brokenEscapesAreMalformed(String raw) {
    assertThatThrownBy(() -> PercentDecoding.decode(raw, "path"))
        .isInstanceOf(FacadeException.class)
        .hasMessageStartingWith("path: broken percent-escape at character");
  }

  @ParameterizedTest
  @ValueSource(strings = {"%C3", "%FF", "%C3%28"})
  void escapesThatAreNotUtf8AreMalformed(String raw) {
    assertThatThrownBy(() -> PercentDecoding.decode(raw, "path"))
        .isInstanceOf(FacadeException.class)
        .hasMessage("path: percent-escapes are not valid UTF-8");
  }
}
