package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {

  private final RequestIds requestIds = new RequestIds(new SecureRandom());

  @ParameterizedTest
  @ValueSource(strings = {"a", "req_abc", "3f2b8c1e-0000-4000-8000-000000000000", "trace:1.2_3"})
  void acceptableCallerIdsAreKept(String id) {
    assertThat(requestIds.fromHeaderOrNew(id)).isEqualTo(id);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"has space", "semi;colon", "new\nline", "caf\u00e9"})
  void missingOrUnsafeCallerIdsAreReplaced(String id) {
    assertThat(requestIds.fromHeaderOrNew(id)).matches("req_[0-9A-Za-z]{24}");
  }

  @Test
  void callerIdLongerThan128CharactersIsReplaced() {
    assertThat(requestIds.fromHeaderOrNew("a".repeat(128))).hasSize(128);
    assertThat(requestIds.fromHeaderOrNew("a".repeat(129))).startsWith("req_");
  }

  @Test
  void generatedIdsDoNotRepeat() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(requestIds.newId());
    }
    assertThat(ids).hasSize(10_000);
  }
}
