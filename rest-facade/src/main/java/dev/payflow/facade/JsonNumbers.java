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
final class JsonNumbers {
  /** Doubles represent integers exactly up to 2^53; beyond that the printed digits are not the sent ones anyway. */
  private static final BigDecimal EXACT_INTEGER_MAX = BigDecimal.valueOf(1L << 53);

  private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private JsonNumbers() {}

  /** The same JSON with integral numbers printed as integers; unchanged when it has none to fix. */
  static String integralNumbersAsIntegers(String json) {
    JsonElement tree = JsonParser.parseString(json);
    return rewrite(tree) ? PRETTY.toJson(tree) : json;
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
