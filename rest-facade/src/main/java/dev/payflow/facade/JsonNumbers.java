package dev.payflow.facade;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Undoes a quirk of protobuf-java's JSON printer: numbers inside {@code google.protobuf.Struct}
 * (partners' metadata) are doubles, and Java prints an integral double as {@code 8.0} where the
 * partner sent {@code 8} (protobuf's C++ printer, and so Envoy, print {@code 8}). No PayFlow field
 * is a float or double (money is a decimal string, int64 prints as a string), so every JSON number
 * with an integral value can safely print without its fraction.
 */
public final class JsonNumbers {
  /** Doubles represent integers exactly up to 2^53; beyond that the printed digits are not the sent ones anyway. */
  private static final BigDecimal EXACT_INTEGER_MAX = BigDecimal.valueOf(1L << 53);

  /**
   * Longest metadata number read. A double's shortest form has at most 17 significant digits, a
   * sign, a point and an exponent (about 25 characters); 64 leaves room for written-out zeros
   * ({@code 0.000001}) and keeps the exactness check cheap: BigDecimal parsing is quadratic in the
   * digits. (Gson's strict reader already refuses a number longer than its buffer, about a
   * thousand characters, so a million-digit number never gets here.)
   */
  static final int METADATA_NUMBER_CHARS_MAX = 64;

  private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
  private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();

  private JsonNumbers() {}

  /** The same JSON with integral numbers printed as integers; unchanged when it has none to fix. */
  static String integralNumbersAsIntegers(String json) {
    return integralNumbersAsIntegers(json, PRETTY);
  }

  /**
   * The same compact JSON (one line, as webhook event bodies and export lines are) with integral
   * numbers printed as integers, so that partners see one form of a metadata number in REST
   * answers, webhook events and exports alike; unchanged when it has none to fix.
   */
  public static String integralNumbersAsIntegersCompact(String json) {
    return integralNumbersAsIntegers(json, COMPACT);
  }

  private static String integralNumbersAsIntegers(String json, Gson printer) {
    // Most responses hold no number with a fraction or an exponent (money is a string, metadata
    // is often empty): one scan spares them a parse and a reprint on every REST call.
    if (!hasFractionOrExponent(json)) {
      return json;
    }
    JsonElement tree = JsonParser.parseString(json);
    return rewrite(tree) ? printer.toJson(tree) : json;
  }

  /** Whether the JSON text has a number, outside its strings, written with a fraction or an exponent. */
  static boolean hasFractionOrExponent(String json) {
    boolean inString = false;
    for (int i = 0; i < json.length() - 1; i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c >= '0' && c <= '9') {
        char next = json.charAt(i + 1);
        if (next == '.' || next == 'e' || next == 'E') {
          return true;
        }
      }
    }
    return false;
  }

  /** Rewrites in place; true if anything changed. */
  private static boolean rewrite(JsonElement element) {
    boolean changed = false;
    if (element instanceof JsonObject object) {
      for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
        JsonPrimitive integral = integral(entry.getValue());
        if (integral != null) {
          entry.setValue(integral);
          changed = true;
        } else {
          changed |= rewrite(entry.getValue());
        }
      }
    } else if (element instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        JsonPrimitive integral = integral(array.get(i));
        if (integral != null) {
          array.set(i, integral);
          changed = true;
        } else {
          changed |= rewrite(array.get(i));
        }
      }
    }
    return changed;
  }

  /**
   * Why a metadata number as written cannot be kept exactly, or null if it can. Metadata is a
   * {@code google.protobuf.Struct}, whose numbers are doubles; a number a double does not hold as
   * written would be stored, fingerprinted and answered as another number, so two different
   * requests could look the same to the idempotency check. A number is kept when its magnitude is
   * at most 2^53 (beyond it doubles skip integers) and the double's shortest decimal form, which
   * is what PayFlow prints back, has the same value as the text ({@code 0.1}, {@code 12.5}, {@code
   * 1.5e3}); else it is refused ({@code 9007199254740993}, {@code 1e20}, {@code
   * 0.10000000000000000001}, {@code 1e400}).
   */
  static String inexactReason(String text) {
    if (text.length() > METADATA_NUMBER_CHARS_MAX) {
      // Before any BigDecimal, whose parsing is quadratic in the digits.
      return "it is longer than " + METADATA_NUMBER_CHARS_MAX + " characters";
    }
    BigDecimal written;
    try {
      written = new BigDecimal(text);
    } catch (NumberFormatException e) {
      return "its exponent is out of range";
    }
    if (written.signum() == 0) {
      return null;
    }
    // Parse as a double first: it bounds the exponent, so the BigDecimal comparisons below stay
    // cheap even for 1e999999999.
    double value = Double.parseDouble(text);
    if (Double.isInfinite(value) || value == 0) {
      return "it is beyond the range of a double";
    }
    if (Math.abs(value) > EXACT_INTEGER_MAX.doubleValue()) {
      return "its magnitude is above 2^53 (9007199254740992), where doubles skip integers";
    }
    if (new BigDecimal(Double.toString(value)).compareTo(written) != 0) {
      return "a double holds it only as " + Double.toString(value);
    }
    return null;
  }

  private static JsonPrimitive integral(JsonElement element) {
    if (!(element instanceof JsonPrimitive primitive) || !primitive.isNumber()) {
      return null;
    }
    String text = primitive.getAsString();
    if (text.indexOf('.') < 0 && text.indexOf('E') < 0 && text.indexOf('e') < 0) {
      return null;
    }
    BigDecimal value = new BigDecimal(text);
    if (value.abs().compareTo(EXACT_INTEGER_MAX) > 0 || value.stripTrailingZeros().scale() > 0) {
      return null;
    }
    return new JsonPrimitive(value.toBigIntegerExact());
  }
}
