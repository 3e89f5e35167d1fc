package dev.payflow.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When a failed call is tried again, and after how long. Retried: {@code UNAVAILABLE} (the network,
 * a restarting server, {@code SERVICE_UNAVAILABLE}), {@code RESOURCE_EXHAUSTED} (rate limited:
 * after at least the server's {@code RetryInfo} delay), and {@code ABORTED} with reason {@code
 * IDEMPOTENCY_KEY_IN_USE} (the same key's first attempt is still running). Nothing else: every
 * other error is an answer. The wait is "full jitter" exponential backoff: uniformly random in
 * {@code [0, min(maxBackoff, initialBackoff * 2^retry))}, so clients that failed together do not
 * come back together.
 *
 * @param maxRetries attempts after the first, 0..10
 * @param initialBackoff the backoff cap of the first retry
 * @param maxBackoff the largest backoff cap, also the most a server's RetryInfo may make a client wait
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {

  /** More than ten retries of one call only hides an outage from the caller. */
  public static final int MAX_RETRIES_LIMIT = 10;

  /** Three retries within about 1.5 s: enough for a restart or a lock released, not for an outage. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(2));

  /** No retries at all. */
  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofMillis(100), Duration.ofSeconds(2));

  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxRetries < 0 || maxRetries > MAX_RETRIES_LIMIT) {
      throw new IllegalArgumentException("maxRetries: " + maxRetries + " (expected: 0.." + MAX_RETRIES_LIMIT + ")");
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "backoff: " + initialBackoff + ".." + maxBackoff + " (expected: 0 < initialBackoff <= maxBackoff)");
    }
  }

  /** Whether this failure may be tried again (with the same idempotency key). */
  public static boolean isRetryable(PayFlowException failure) {
    Status.Code code = failure.code();
    return code == Status.Code.UNAVAILABLE
        || code == Status.Code.RESOURCE_EXHAUSTED
        || (code == Status.Code.ABORTED && failure.reason().equals("IDEMPOTENCY_KEY_IN_USE"));
  }

  /** The wait before retry number {@code retry} (1 for the first retry). */
  Duration backoff(int retry, PayFlowException failure, RandomGenerator random) {
    long capMillis = initialBackoff.toMillis() << Math.min(retry - 1, 20);
    capMillis = Math.min(capMillis, maxBackoff.toMillis());
    Duration jittered = Duration.ofMillis(random.nextLong(capMillis + 1));
    Duration asked = failure.retryDelay().orElse(Duration.ZERO);
    if (asked.compareTo(maxBackoff) > 0) {
      asked = maxBackoff;
    }
    return asked.compareTo(jittered) > 0 ? asked : jittered;
  }
}
