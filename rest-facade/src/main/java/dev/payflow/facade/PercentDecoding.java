package dev.payflow.facade;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict RFC 3986 percent-decoding of path segments and query parameters.
 *
 * <p>Unlike {@link java.net.URLDecoder} (form encoding), a {@code +} stays a {@code +}: an RFC 3339
 * offset such as {@code 2024-05-01T10:00:00+02:00} in {@code ?asOf=} must keep it, and Envoy's
 * transcoder does the same by default ({@code query_param_unescape_plus: false}).
 */
final class PercentDecoding {

  private PercentDecoding() {}

  /**
   * Decodes {@code raw}; {@code what} names the part of the request for the error message.
   *
   * @throws FacadeException MALFORMED_REQUEST for a broken escape or bytes that are not UTF-8
   */
  static String decode(String raw, String what) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    int i = 0;
    while (i < raw.length()) {
      int escape = raw.indexOf('%', i);
      if (escape != i) {
        // Characters between escapes are ASCII in a well-formed request line; anything else is
        // kept as its UTF-8 bytes, so a lenient client's raw UTF-8 still round-trips.
        int end = escape < 0 ? raw.length() : escape;
        byte[] plain = raw.substring(i, end).getBytes(StandardCharsets.UTF_8);
        bytes.write(plain, 0, plain.length);
        i = end;
        continue;
      }
      int high = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
      if (high < 0 || low < 0) {
        throw FacadeException.malformed(
            what
                + ": broken percent-escape at character "
                + i
                + " (expected: %XX with two hex digits)");
      }
      bytes.write(high * 16 + low);
      i += 3;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw FacadeException.malformed(what + ": percent-escapes are not valid UTF-8");
    }
  }
}
