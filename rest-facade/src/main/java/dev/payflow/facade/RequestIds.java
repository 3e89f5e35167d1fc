package dev.payflow.facade;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The request id of a call: the caller's {@code x-request-id} when it is usable, else a new {@code
 * req_} id. The facade sends it to the core as metadata, so both log the same id, and returns it on
 * every response.
 */
final class RequestIds {

  /**
   * A caller's id is kept if it is 1..128 characters of {@code [A-Za-z0-9._:-]}: enough for a UUID,
   * a trace id or a {@code req_} id; nothing that could break a log line or a header.
   */
  private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private static final String PREFIX = "req_";

  /** 24 base62 characters are about 143 bits: no collisions, and nothing to guess. */
  static final int RANDOM_CHARS = 24;

  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private final SecureRandom random;

  RequestIds(SecureRandom random) {
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The caller's id if acceptable, else a new one. */
  String fromHeaderOrNew(String header) {
    if (header != null && ACCEPTED.matcher(header).matches()) {
      return header;
    }
    return newId();
  }

  String newId() {
    StringBuilder id = new StringBuilder(PREFIX.length() + RANDOM_CHARS).append(PREFIX);
    for (int i = 0; i < RANDOM_CHARS; i++) {
      // 62 does not divide 2^32, but nextInt(bound) rejects the remainder: no bias.
      id.append(BASE62[random.nextInt(BASE62.length)]);
    }
    return id.toString();
  }
}
