package dev.payflow.facade;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.internal.LazilyParsedNumber;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/**
 * Reads a request body into a tree the way a payments API must, where Gson's {@code JsonParser}
 * and protobuf's JsonFormat are lenient:
 *
 * <ul>
 *   <li>Strict JSON syntax: no comments, single quotes or unquoted names.
 *   <li>No duplicate keys, at any depth: {@code {"amount": "1.00", "amount": "9.00"}} means
 *       different things to different parsers (most keep the last, some the first), so a body
 *       that says two things is refused rather than read one way here and another way in the
 *       partner's logs.
 *   <li>At most {@link #NESTING_DEPTH_MAX} levels of objects and arrays, checked before a level is
 *       read, so a body of 10,000 nested brackets costs a few hundred bytes of stack, not a {@code
 *       StackOverflowError} in whichever parser comes next.
 *   <li>No unpaired UTF-16 surrogates from {@code \\uD800}-style escapes, in keys or strings: they
 *       are not characters, and protobuf would silently write them as {@code ?}.
 * </ul>
 *
 * Numbers keep the text they were written with, so later checks can see exactly what was sent.
 */
final class StrictJson {

  /**
   * Deepest nesting of objects and arrays in a request body, the body itself being level 1. The
   * deepest PayFlow request is a body with metadata (2 levels) holding the partner's own
   * structure: 32 leaves metadata 30 levels, far more than any reference data needs, and keeps
   * every later recursive reader (Armeria's Jackson, JsonFormat, the core's metadata checks) far
   * from its own limit or stack.
   */
  static final int NESTING_DEPTH_MAX = 32;

  private StrictJson() {}

  /**
   * The body as a tree.
   *
   * @throws FacadeException MALFORMED_REQUEST for anything above, with the JSON path where found
   */
  static JsonElement parse(String text) {
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      JsonElement tree = read(reader, "$", 1);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw FacadeException.malformed("request body: data after the JSON object");
      }
      return tree;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      // MalformedJsonException and EOFException are IOExceptions; a token of the wrong kind is an
      // IllegalStateException. Their messages can quote a long path: keep it short.
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw FacadeException.malformed("request body: not valid JSON: " + EchoedText.cut(message));
    }
  }

  private static JsonElement read(JsonReader reader, String path, int depth) throws IOException {
    JsonToken token = reader.peek();
    switch (token) {
      case BEGIN_OBJECT -> {
        requireDepth(path, depth);
        JsonObject object = new JsonObject();
        reader.beginObject();
        while (reader.hasNext()) {
          String name = reader.nextName();
          String memberPath = path + "." + name;
          requireCharacters(name, memberPath + " (the key)");
          if (object.has(name)) {
            throw FacadeException.malformed(
                "request body: duplicate key "
                    + EchoedText.quoted(name)
                    + " at "
                    + EchoedText.cut(path)
                    + " (expected: each key once in an object)");
          }
          object.add(name, read(reader, memberPath, depth + 1));
        }
        reader.endObject();
        return object;
      }
      case BEGIN_ARRAY -> {
        requireDepth(path, depth);
        JsonArray array = new JsonArray();
        reader.beginArray();
        int i = 0;
        while (reader.hasNext()) {
          array.add(read(reader, path + "[" + i++ + "]", depth + 1));
        }
        reader.endArray();
        return array;
      }
      case STRING -> {
        String value = reader.nextString();
        requireCharacters(value, path);
        return new JsonPrimitive(value);
      }
      case NUMBER -> {
        // The number as written; JsonReader has already checked its syntax.
        return new JsonPrimitive(new LazilyParsedNumber(reader.nextString()));
      }
      case BOOLEAN -> {
        return new JsonPrimitive(reader.nextBoolean());
      }
      case NULL -> {
        reader.nextNull();
        return JsonNull.INSTANCE;
      }
      default ->
          throw FacadeException.malformed(
              "request body: not valid JSON: unexpected " + token + " at " + EchoedText.cut(path));
    }
  }

  private static void requireDepth(String path, int depth) {
    if (depth > NESTING_DEPTH_MAX) {
      throw FacadeException.malformed(
          "request body: nested deeper than "
              + NESTING_DEPTH_MAX
              + " levels of objects and arrays at "
              + EchoedText.cut(path));
    }
  }

  /** Refuses an unpaired surrogate: a high one not followed by a low one, or a low one alone. */
  private static void requireCharacters(String text, String path) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
              ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(++i))
              : !Character.isLowSurrogate(c);
      if (!paired) {
        throw FacadeException.malformed(
            "request body: "
                + EchoedText.cut(path)
                + " holds an unpaired UTF-16 surrogate (expected: Unicode characters; a \\uD800-\\uDFFF escape"
                + " must be one half of a pair)");
      }
    }
  }
}
