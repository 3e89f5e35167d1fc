package dev.payflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Which failures are tried again, and how long the client waits before it does. */
class RetryPolicyTest {

  @ParameterizedTest(name = "{0} {1} -> retried: {2}")
  @CsvSource({
      "UNAVAILABLE,          '',                        true",
      "UNAVAILABLE,          SERVICE_UNAVAILABLE,       true",
      "RESOURCE_EXHAUSTED,   RATE_LIMITED,              true",
      "ABORTED,              IDEMPOTENCY_KEY_IN_USE,    true",
      "ABORTED,              SOMETHING_ELSE,            false",
      "INVALID_ARGUMENT,     IDEMPOTENCY_KEY_REUSED,    false",
      "FAILED_PRECONDITION,  INSUFFICIENT_FUNDS,        false",
      "NOT_FOUND,            WALLET_NOT_FOUND,          false",
      "UNAUTHENTICATED,      INVALID_API_KEY,           false",
      "PERMISSION_DENIED,    PERMISSION_DENIED,         false",
      "ALREADY_EXISTS,       WALLET_ALREADY_EXISTS,     false",
      "DEADLINE_EXCEEDED,    '',                        false",
      "INTERNAL,             INTERNAL_ERROR,            false",
      "UNIMPLEMENTED,        NOT_IMPLEMENTED,           false",
  })
  void onlyUnavailableRateLimitedAndKeyInUseAreRetried(Status.Code code, String reason, boolean retried) {
    assertThat(RetryPolicy.isRetryable(failure(code, reason, null))).isEqualTo(retried);
  }

  @Test
  void aRateLimitedCallWaitsAtLeastTheServersRetryDelayUpToTheCap() {
    RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofSeconds(2));

    Duration asked = policy.backoff(1, failure(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED", Duration.ofMillis(700)), new Random(1));
    Duration capped = policy.backoff(1, failure(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED", Duration.ofSeconds(60)), new Random(1));

    assertThat(asked).isEqualTo(Duration.ofMillis(700));
    assertThat(capped).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void backoffGrowsExponentiallyWithFullJitterUnderTheCap() {
    RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(800));
    PayFlowException failure = failure(Status.Code.UNAVAILABLE, "", null);
    Random random = new Random(42);

    for (int retry = 1; retry <= 10; retry++) {
      long cap = Math.min(800, 100L << (retry - 1));
      for (int sample = 0; sample < 200; sample++) {
        assertThat(policy.backoff(retry, failure, random)).isBetween(Duration.ZERO, Duration.ofMillis(cap));
      }
    }
  }

  @Test
  void outOfRangeSettingsAreRefusedWithTheValueAndTheRange() {
    assertThatThrownBy(() -> new RetryPolicy(11, Duration.ofMillis(1), Duration.ofMillis(1)))
        .hasMessage("maxRetries: 11 (expected: 0..10)");
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofMillis(5), Duration.ofMillis(1)))
        .hasMessageContaining("expected: 0 < initialBackoff <= maxBackoff");
  }

  private static PayFlowException failure(Status.Code code, String reason, Duration retryDelay) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage("test");
    if (!reason.isEmpty()) {
      status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("payflow")
          .putMetadata("requestId", "req_test").build()));
    }
    if (retryDelay != null) {
      status.addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
          .setSeconds(retryDelay.getSeconds()).setNanos(retryDelay.getNano())).build()));
    }
    return PayFlowException.from(StatusProto.toStatusRuntimeException(status.build()));
  }
}
