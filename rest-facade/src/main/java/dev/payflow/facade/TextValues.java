package dev.payflow.facade;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns the text of a path variable or query parameter into the JSON value of its field, so that
 * {@link com.google.protobuf.util.JsonFormat} converts it exactly as it converts the same field in
 * a body. Which fields can come from text, and what a valid text looks like, lives here too.
 */
final class TextValues {

  /** Well-known types whose JSON form is one string. */
  private static final Set<String> STRING_FORM_TYPES =
      Set.of("google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask");

  /** Wrapper types: their JSON form is the JSON form of their single {@code value} field. */
  static final Set<String> WRAPPER_TYPES =
      Set.of(
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  private TextValues() {}

  /**
   * Whether a query parameter may set this field: scalars, enums, repeated ones of those, and the
   * well-known types written as one string. Messages, maps and Struct need a JSON body.
   */
  static boolean isTextSettable(FieldDescriptor field) {
    if (field.isMapField()) {
      return false;
    }
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return true;
    }
    String typeName = field.getMessageType().getFullName();
    return STRING_FORM_TYPES.contains(typeName) || WRAPPER_TYPES.contains(typeName);
  }

  /** Whether a path variable may bind this field: one plain string, number, bool or enum. */
  static boolean isPathBindable(FieldDescriptor field) {
    return !field.isRepeated()
        && field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
        && field.getJavaType() != FieldDescriptor.JavaType.BYTE_STRING;
  }

  /**
   * The JSON value for {@code text}. Numbers stay JSON strings (the JSON mapping accepts them for
   * every numeric type and JsonFormat range-checks them); booleans and enum words are checked here,
   * so the error names the parameter.
   *
   * @param what names the parameter for error messages, e.g. {@code query parameter status}
   * @throws FacadeException MALFORMED_REQUEST or INVALID_FIELD naming {@code what}, the value and
   *     what was expected
   */
  static JsonElement toJson(FieldDescriptor field, String text, String what) {
    switch (field.getJavaType()) {
      case BOOLEAN:
        if (text.equals("true") || text.equals("false")) {
          return new JsonPrimitive(Boolean.parseBoolean(text));
        }
        throw FacadeException.malformed(describe(what, text, field));
      case ENUM:
        if (!isKnownEnumValue(field.getEnumType(), text)) {
          throw FacadeException.invalidField(describe(what, text, field));
        }
        return new JsonPrimitive(text);
      case MESSAGE:
        String typeName = field.getMessageType().getFullName();
        if (WRAPPER_TYPES.contains(typeName)) {
          return toJson(field.getMessageType().findFieldByName("value"), text, what);
        }
        return new JsonPrimitive(text);
      default:
        return new JsonPrimitive(text);
    }
  }

  /** Whether {@code text} is a value name of the enum, or the number of one. */
  static boolean isKnownEnumValue(EnumDescriptor type, String text) {
    if (type.findValueByName(text) != null) {
      return true;
    }
    try {
      return type.findValueByNumber(Integer.parseInt(text)) != null;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** {@code query parameter pageSize: "abc" (expected: an integer)}. */
  static String describe(String what, String text, FieldDescriptor field) {
    return what + ": " + EchoedText.quoted(text) + " (expected: " + expectation(field) + ")";
  }

  /** What a valid value of {@code field} looks like, in words a partner understands. */
  static String expectation(FieldDescriptor field) {
    switch (field.getJavaType()) {
      case INT:
        return "an integer of 32 bits";
      case LONG:
        return "an integer of 64 bits";
      case FLOAT:
      case DOUBLE:
        return "a number";
      case BOOLEAN:
        return "true or false";
      case STRING:
        return "a string";
      case BYTE_STRING:
        return "base64";
      case ENUM:
        return "one of " + enumWords(field.getEnumType());
      case MESSAGE:
        switch (field.getMessageType().getFullName()) {
          case "google.protobuf.Timestamp":
            return "an RFC 3339 timestamp such as 2024-05-01T10:00:00Z";
          case "google.protobuf.Duration":
            return "a duration in seconds such as 1.5s";
          case "google.protobuf.FieldMask":
            return "comma-separated field names";
          default:
            if (WRAPPER_TYPES.contains(field.getMessageType().getFullName())) {
              return expectation(field.getMessageType().findFieldByName("value"));
            }
            return "a JSON object";
        }
    }
    throw new AssertionError("unhandled field type " + field.getJavaType());
  }

  /** {@code active, frozen, closed}: the values a partner may send (not the zero placeholder). */
  static String enumWords(EnumDescriptor type) {
    return type.getValues().stream()
        .filter(value -> value.getNumber() != 0)
        .map(EnumValueDescriptor::getName)
        .collect(Collectors.joining(", "));
  }
}
