package dev.payflow.facade;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a JSON body against its message type before {@link com.google.protobuf.util.JsonFormat}
 * merges it, for two things JsonFormat does not do well for a payments API:
 *
 * <ul>
 *   <li>With {@code ignoringUnknownFields()} JsonFormat also silently drops an enum word it does
 *       not know, so {@code {"status": "frozn"}} on UpdateWallet would succeed without freezing
 *       anything. Here it is INVALID_FIELD, naming the field and the accepted words.
 *   <li>JsonFormat accepts a JSON number for a string field, so {@code "amount": 0.1} would reach
 *       the core as whatever the client's float printed. Money is a decimal string; a number there
 *       is MALFORMED_REQUEST, as is any other value of the wrong JSON kind, with the field's path.
 * </ul>
 *
 * <p>Unknown fields are skipped, as JsonFormat's {@code ignoringUnknownFields()} and Envoy do.
 * Value ranges and formats (int32 overflow, timestamp syntax) are left to JsonFormat.
 */
final class JsonTypeCheck {

  /**
   * Deepest nesting of messages checked. Far deeper than any PayFlow request; it only stops a
   * recursive message type from walking a hostile, deeply nested body for long.
   */
  static final int NESTING_DEPTH_MAX = 32;

  /** Per message type: its fields under their JSON name and their proto name. */
  private final Map<Descriptor, Map<String, FieldDescriptor>> fieldsByName;

  private JsonTypeCheck(Map<Descriptor, Map<String, FieldDescriptor>> fieldsByName) {
    this.fieldsByName = fieldsByName;
  }

  /** Indexes every message type reachable from the given request types, once, at start-up. */
  static JsonTypeCheck forTypes(Collection<Descriptor> requestTypes) {
    Objects.requireNonNull(requestTypes, "requestTypes");
    Map<Descriptor, Map<String, FieldDescriptor>> index = new HashMap<>();
    Deque<Descriptor> pending = new ArrayDeque<>(requestTypes);
    while (!pending.isEmpty()) {
      Descriptor type = pending.pop();
      if (index.containsKey(type)) {
        continue;
      }
      Map<String, FieldDescriptor> byName = new HashMap<>();
      for (FieldDescriptor field : type.getFields()) {
        byName.put(field.getJsonName(), field);
        byName.put(field.getName(), field);
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          pending.push(field.getMessageType());
        }
      }
      index.put(type, Map.copyOf(byName));
    }
    return new JsonTypeCheck(Map.copyOf(index));
  }

  /**
   * Checks {@code body} as a message of {@code type}.
   *
   * @return whether JsonFormat could still refuse the body: true if it holds a value whose
   *     acceptance this check does not decide (a number, bytes, a timestamp, a map, a null, a oneof,
   *     one field under both its names, ...), so the caller must merge it to find out; false if
   *     every value is of a kind that JsonFormat takes whenever this check does (strings, known
   *     enum words, booleans, checked metadata, nested messages of those), as a transfer's body is
   * @throws FacadeException MALFORMED_REQUEST for a value of the wrong JSON kind, INVALID_FIELD for
   *     an unknown enum value; the message names the field's path
   */
  boolean check(JsonObject body, Descriptor type) {
    Verdict verdict = new Verdict();
    checkObject(body, type, "", 0, verdict);
    return verdict.undecided;
  }

  /**
   * Whether a checked body may still fail JsonFormat's merge. Kept per call: the merge that finds
   * out costs as much as the rest of the checks together, and most bodies do not need it.
   */
  private static final class Verdict {
    boolean undecided;
  }

  private void checkObject(JsonObject object, Descriptor type, String path, int depth, Verdict verdict) {
    if (depth > NESTING_DEPTH_MAX) {
      throw FacadeException.malformed(
          "request body: nested deeper than " + NESTING_DEPTH_MAX + " objects at " + path);
    }
    Map<String, FieldDescriptor> fields = fieldsByName.get(type);
    if (fields == null) {
      throw new IllegalStateException("message type " + type.getFullName() + " was not indexed");
    }
    java.util.Set<FieldDescriptor> seen = null;
    for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
      FieldDescriptor field = fields.get(entry.getKey());
      JsonElement value = entry.getValue();
      if (field == null) {
        continue; // Unknown fields are ignored, by JsonFormat too.
      }
      if (value.isJsonNull()) {
        // Null means "not set" in the JSON mapping; JsonFormat has rules of its own for it.
        verdict.undecided = true;
        continue;
      }
      if (seen == null) {
        seen = new java.util.HashSet<>();
      }
      if (!seen.add(field) || field.getRealContainingOneof() != null) {
        // The field under both its names, or a oneof: JsonFormat refuses a second value.
        verdict.undecided = true;
      }
      String fieldPath = path.isEmpty() ? field.getJsonName() : path + "." + field.getJsonName();
      if (field.isMapField()) {
        JsonObject map =
            require(value, value.isJsonObject(), "a JSON object", fieldPath).getAsJsonObject();
        verdict.undecided = true; // Map keys are parsed by their type.
        FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        for (Map.Entry<String, JsonElement> mapEntry : map.entrySet()) {
          checkValue(
              valueField, mapEntry.getValue(), fieldPath + "." + mapEntry.getKey(), depth, verdict);
        }
      } else if (field.isRepeated()) {
        require(value, value.isJsonArray(), "a JSON array", fieldPath);
        int i = 0;
        for (JsonElement element : value.getAsJsonArray()) {
          checkValue(field, element, fieldPath + "[" + i++ + "]", depth, verdict);
        }
      } else {
        checkValue(field, value, fieldPath, depth, verdict);
      }
    }
  }

  /** Checks one value of the field's element type (one element of a repeated field). */
  private void checkValue(
      FieldDescriptor field, JsonElement value, String path, int depth, Verdict verdict) {
    if (value.isJsonNull()) {
      verdict.undecided = true;
      return; // JsonFormat reports a null inside a list itself.
    }
    switch (field.getJavaType()) {
      case STRING -> {
        require(value, isString(value), "a JSON string", path);
        requireNoBidiControls(value.getAsString(), path);
      }
      case BYTE_STRING -> {
        require(value, isString(value), "a JSON string", path);
        verdict.undecided = true; // Base64, which only JsonFormat reads.
      }
      case BOOLEAN -> require(value, isBoolean(value), "true or false", path);
      case INT, LONG, FLOAT, DOUBLE -> {
        // The JSON mapping allows numbers as strings (int64 is usually sent that way).
        require(value, isNumber(value) || isString(value), "a number", path);
        verdict.undecided = true; // Ranges and formats are JsonFormat's.
      }
      case ENUM -> {
        if (field.getEnumType().getFullName().equals("google.protobuf.NullValue")) {
          verdict.undecided = true;
          return;
        }
        require(value, isString(value) || isNumber(value), "a string", path);
        if (!TextValues.isKnownEnumValue(field.getEnumType(), value.getAsString())) {
          throw FacadeException.invalidField(
              TextValues.describe("request body: " + path, value.getAsString(), field));
        }
        if (!isString(value)) {
          verdict.undecided = true; // An enum by its number.
        }
      }
      case MESSAGE -> checkMessageValue(field, value, path, depth, verdict);
    }
  }

  private void checkMessageValue(
      FieldDescriptor field, JsonElement value, String path, int depth, Verdict verdict) {
    Descriptor type = field.getMessageType();
    switch (type.getFullName()) {
      case "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask" -> {
        require(value, isString(value), "a JSON string: " + TextValues.expectation(field), path);
        verdict.undecided = true; // Their syntax is JsonFormat's.
      }
      case "google.protobuf.Any", "google.protobuf.Empty" -> {
        require(value, value.isJsonObject(), "a JSON object", path);
        verdict.undecided = true;
      }
      case "google.protobuf.Struct" -> {
        require(value, value.isJsonObject(), "a JSON object", path);
        checkStructNumbers(value, path);
      }
      case "google.protobuf.ListValue" -> {
        require(value, value.isJsonArray(), "a JSON array", path);
        checkStructNumbers(value, path);
      }
      case "google.protobuf.Value" -> checkStructNumbers(value, path); // Any JSON value is a Value.
      default -> {
        if (TextValues.WRAPPER_TYPES.contains(type.getFullName())) {
          checkValue(type.findFieldByName("value"), value, path, depth, verdict);
        } else {
          require(value, value.isJsonObject(), "a JSON object", path);
          checkObject(value.getAsJsonObject(), type, path, depth + 1, verdict);
        }
      }
    }
  }

  /**
   * Refuses a number in metadata (a {@code Struct}, whose numbers are doubles) that would not come
   * back as sent; see {@link JsonNumbers#inexactReason}. The tree's depth is bounded by {@link
   * StrictJson#NESTING_DEPTH_MAX}, so the recursion is too.
   */
  private static void checkStructNumbers(JsonElement value, String path) {
    if (value.isJsonObject()) {
      for (Map.Entry<String, JsonElement> entry : value.getAsJsonObject().entrySet()) {
        checkStructNumbers(entry.getValue(), path + "." + entry.getKey());
      }
    } else if (value.isJsonArray()) {
      int i = 0;
      for (JsonElement element : value.getAsJsonArray()) {
        checkStructNumbers(element, path + "[" + i++ + "]");
      }
    } else if (isNumber(value)) {
      String text = value.getAsString();
      String reason = JsonNumbers.inexactReason(text);
      if (reason != null) {
        throw FacadeException.invalidField(
            "request body: "
                + EchoedText.cut(path)
                + ": the number "
                + EchoedText.cut(text)
                + " cannot be kept exactly: "
                + reason
                + " (expected: metadata numbers are doubles, so integers within +-2^53 and decimals a"
                + " double holds as written; send other numbers as strings)");
      }
    }
  }

  /**
   * Refuses the bidirectional embedding, override and isolate controls (U+202A..U+202E,
   * U+2066..U+2069) in a text field: they make a name or description display as something else
   * ("Savings", RIGHT-TO-LEFT OVERRIDE, "txt.exe" shows as {@code Savingsexe.txt}) in dashboards and
   * statements. Right-to-left text needs none of them; the marks U+200E and U+200F stay allowed.
   * Metadata strings are the partner's own data and are not checked.
   */
  private static void requireNoBidiControls(String text, String path) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')) {
        throw FacadeException.invalidField(
            String.format(
                "request body: %s: contains the bidirectional control character U+%04X at position %d"
                    + " (expected: text without embedding, override or isolate controls)",
                path, (int) c, i));
      }
    }
  }

  private static JsonElement require(JsonElement value, boolean ok, String expected, String path) {
    if (!ok) {
      throw FacadeException.malformed(
          "request body: " + path + " is " + describeKind(value) + " (expected: " + expected + ")");
    }
    return value;
  }

  private static boolean isString(JsonElement value) {
    return value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
  }

  private static boolean isNumber(JsonElement value) {
    return value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber();
  }

  private static boolean isBoolean(JsonElement value) {
    return value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean();
  }

  /** {@code the number 0.1}, {@code an object}: what was sent, without echoing large values. */
  private static String describeKind(JsonElement value) {
    if (value.isJsonObject()) {
      return "an object";
    }
    if (value.isJsonArray()) {
      return "an array";
    }
    JsonPrimitive primitive = value.getAsJsonPrimitive();
    if (primitive.isBoolean()) {
      return "the boolean " + primitive.getAsBoolean();
    }
    if (primitive.isNumber()) {
      return "the number " + EchoedText.cut(primitive.getAsString());
    }
    return "the string " + EchoedText.quoted(primitive.getAsString());
  }
}
