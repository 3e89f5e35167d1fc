package dev.payflow.facade;

/** Small helpers for putting client-sent text into error messages. */
final class EchoedText {

  /**
   * Longest client value echoed in an error message. Enough to recognise a wrong id or timestamp;
   * short enough that a huge value does not come back in full.
   */
  static final int ECHOED_VALUE_CHARS_MAX = 64;

  private EchoedText() {}

  /** The value in quotes, cut at {@link #ECHOED_VALUE_CHARS_MAX} characters. */
  static String quoted(String value) {
    return "\"" + cut(value) + "\"";
  }

  /** The value cut at {@link #ECHOED_VALUE_CHARS_MAX} characters, marked with "...". */
  static String cut(String value) {
    return value.length() <= ECHOED_VALUE_CHARS_MAX
        ? value
        : value.substring(0, ECHOED_VALUE_CHARS_MAX) + "...";
  }
}
