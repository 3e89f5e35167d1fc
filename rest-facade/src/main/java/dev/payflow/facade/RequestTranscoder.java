package dev.payflow.facade;

import com.google.api.HttpBody;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the gRPC request message of a route from an HTTP request: the JSON body (or the raw body
 * for {@code google.api.HttpBody}), then the path variables (which win over the body), then the
 * query parameters of body-less routes.
 */
final class RequestTranscoder {

  /**
   * Largest request body accepted: 1 MiB. PayFlow's largest request is a few KiB (metadata is
   * capped at 8 KiB); Stripe events are well under 1 MiB. Anything bigger is a mistake or an
   * attack, and is refused before it is held in memory.
   */
  static final int BODY_BYTES_MAX = 1024 * 1024;

  /**
   * How much of a too-large body is read and dropped before answering 400. A connection closed with
   * unread data makes TCP reset it, and the caller sees a reset instead of the 400; reading a few
   * MiB more is cheap. Larger bodies (by Content-Length, or while reading) still get the 400, but
   * the caller may only see the reset.
   */
  static final int OVERSIZED_BODY_DISCARD_BYTES_MAX = 4 * 1024 * 1024;

  /**
   * Most query parameters read from one request. No PayFlow list call has more than seven fields;
   * the bound keeps a query string of thousands of parameters from costing more.
   */
  static final int QUERY_PARAMETERS_MAX = 64;

  /** Longest parser message passed on; see {@link #firstLine}. */
  private static final int PARSER_MESSAGE_CHARS_MAX = 200;

  private final JsonTypeCheck typeCheck;

  /** Bodies: unknown fields are ignored, as Envoy's transcoder does (DESIGN.md section 2). */
  private final JsonFormat.Parser bodyParser = JsonFormat.parser().ignoringUnknownFields();

  /** Path and query values: the facade builds this JSON from known fields only, so strict. */
  private final JsonFormat.Parser textParser = JsonFormat.parser();

  RequestTranscoder(Collection<HttpRoute> routes) {
    Objects.requireNonNull(routes, "routes");
    this.typeCheck =
        JsonTypeCheck.forTypes(
            routes.stream().map(route -> route.requestPrototype().getDescriptorForType()).toList());
  }

  /**
   * Reads a request body of at most {@link #BODY_BYTES_MAX} bytes.
   *
   * @param contentLength the Content-Length header, if any, to refuse a large body unread
   * @throws FacadeException MALFORMED_REQUEST for a larger body
   */
  static byte[] readBody(InputStream body, String contentLength) throws IOException {
    Objects.requireNonNull(body, "body");
    long declaredBytes = -1;
    if (contentLength != null) {
      try {
        declaredBytes = Long.parseLong(contentLength.trim());
      } catch (NumberFormatException e) {
        // The HTTP server has already refused a broken Content-Length; the read below is bounded.
      }
    }
    if (declaredBytes > OVERSIZED_BODY_DISCARD_BYTES_MAX) {
      throw bodyTooLarge(Long.toString(declaredBytes));
    }
    byte[] bytes = body.readNBytes(BODY_BYTES_MAX + 1);
    if (bytes.length > BODY_BYTES_MAX) {
      discard(body, OVERSIZED_BODY_DISCARD_BYTES_MAX - bytes.length);
      throw bodyTooLarge(
          declaredBytes > 0 ? Long.toString(declaredBytes) : "more than " + BODY_BYTES_MAX);
    }
    return bytes;
  }

  /** Reads and drops up to {@code bytesMax} bytes. */
  private static void discard(InputStream body, long bytesMax) throws IOException {
    byte[] buffer = new byte[8192];
    long left = bytesMax;
    while (left > 0) {
      int read = body.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (read < 0) {
        return;
      }
      left -= read;
    }
  }

  private static FacadeException bodyTooLarge(String size) {
    return FacadeException.malformed(
        "request body: " + size + " bytes (expected: at most " + BODY_BYTES_MAX + ")");
  }

  /**
   * The request message for {@code route}.
   *
   * @param pathValues the decoded path variable values, in the order of the route's bindings
   * @param rawQuery the query string as sent (still percent-encoded), or null
   * @param body the body bytes (empty for a body-less route)
   * @param contentType the Content-Type header, or null
   * @throws FacadeException MALFORMED_REQUEST or INVALID_FIELD naming the problem
   */
  Message transcode(
      HttpRoute route, List<String> pathValues, String rawQuery, byte[] body, String contentType) {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(pathValues, "pathValues");
    Objects.requireNonNull(body, "body");
    if (route.bodyMode() == HttpRoute.BodyMode.RAW_HTTP_BODY) {
      // Byte for byte: the Stripe signature covers exactly these bytes.
      return HttpBody.newBuilder()
          .setContentType(contentType == null ? "" : contentType)
          .setData(ByteString.copyFrom(body))
          .build();
    }
    Message.Builder builder = route.requestPrototype().newBuilderForType();
    if (route.bodyMode() == HttpRoute.BodyMode.WHOLE_MESSAGE) {
      mergeBody(builder, body, contentType);
    }
    for (int i = 0; i < pathValues.size(); i++) {
      FieldDescriptor field = route.pathBindings().get(i).field();
      mergeText(
          builder, field, List.of(pathValues.get(i)), "path variable {" + field.getName() + "}");
    }
    if (route.bodyMode() == HttpRoute.BodyMode.NONE) {
      mergeQuery(builder, route, rawQuery);
    }
    return builder.build();
  }

  private void mergeBody(Message.Builder builder, byte[] body, String contentType) {
    if (body.length == 0) {
      return; // An empty body is an empty message, e.g. POST /api/v1/payouts/{id}/cancel.
    }
    requireJsonContentType(contentType);
    String text = decodeUtf8(body);
    if (text.isBlank()) {
      return;
    }
    JsonElement tree = parseStrictly(text);
    if (!tree.isJsonObject()) {
      throw FacadeException.malformed("request body: not a JSON object (expected: {...})");
    }
    typeCheck.check(tree.getAsJsonObject(), builder.getDescriptorForType());
    try {
      bodyParser.merge(text, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw FacadeException.malformed("request body: " + firstLine(e.getMessage()));
    }
  }

  /**
   * Refuses a body declared as something other than JSON. A missing Content-Type is tolerated: the
   * body must still parse as JSON.
   */
  private static void requireJsonContentType(String contentType) {
    if (contentType == null) {
      return;
    }
    String[] parts = contentType.split(";");
    String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
      throw FacadeException.malformed(
          "Content-Type " + EchoedText.quoted(contentType) + " (expected: application/json)");
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].trim().split("=", 2);
      if (parameter.length == 2
          && parameter[0].trim().equalsIgnoreCase("charset")
          && !parameter[1].trim().replace("\"", "").equalsIgnoreCase("utf-8")) {
        throw FacadeException.malformed(
            "Content-Type " + EchoedText.quoted(contentType) + " (expected: charset utf-8)");
      }
    }
  }

  private static String decodeUtf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw FacadeException.malformed("request body: not valid UTF-8 (expected: JSON in UTF-8)");
    }
  }

  /**
   * Parses with Gson's strict mode: JsonFormat on its own accepts comments, single quotes and
   * unquoted names, which no other JSON parser a partner tests against would.
   */
  private static JsonElement parseStrictly(String text) {
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      JsonElement tree = JsonParser.parseReader(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw FacadeException.malformed("request body: data after the JSON object");
      }
      return tree;
    } catch (JsonParseException | IOException e) {
      // Gson wraps the reader's exception; its own message starts with the class name.
      Throwable cause = e.getCause() instanceof IOException ? e.getCause() : e;
      throw FacadeException.malformed(
          "request body: not valid JSON: " + firstLine(cause.getMessage()));
    }
  }

  private void mergeQuery(Message.Builder builder, HttpRoute route, String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return;
    }
    String[] pairs = rawQuery.split("&");
    if (pairs.length > QUERY_PARAMETERS_MAX) {
      throw FacadeException.malformed(
          "query string: "
              + pairs.length
              + " parameters (expected: at most "
              + QUERY_PARAMETERS_MAX
              + ")");
    }
    Map<FieldDescriptor, List<String>> valuesByField = new LinkedHashMap<>();
    Map<FieldDescriptor, String> nameByField = new LinkedHashMap<>();
    for (String pair : pairs) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name =
          PercentDecoding.decode(
              equals < 0 ? pair : pair.substring(0, equals), "query parameter name");
      String value =
          equals < 0
              ? ""
              : PercentDecoding.decode(pair.substring(equals + 1), "query parameter " + name);
      FieldDescriptor field = route.queryField(name);
      if (field == null) {
        if (route.bodyOnlyField(name) != null) {
          throw FacadeException.malformed(
              "query parameter " + name + ": this field cannot be set from the query string");
        }
        continue; // Unknown parameters are ignored, like unknown body fields.
      }
      List<String> values = valuesByField.computeIfAbsent(field, f -> new ArrayList<>());
      if (!field.isRepeated() && !values.isEmpty()) {
        throw FacadeException.malformed(
            "query parameter "
                + name
                + ": given more than once (expected: once; only list fields repeat)");
      }
      values.add(value);
      nameByField.putIfAbsent(field, name);
    }
    valuesByField.forEach(
        (field, values) ->
            mergeText(builder, field, values, "query parameter " + nameByField.get(field)));
  }

  /**
   * Sets {@code field} from text values (one, unless the field is repeated), replacing what the
   * body set: the path wins. JsonFormat refuses to merge into a field that already has a value,
   * hence the clear.
   */
  private void mergeText(
      Message.Builder builder, FieldDescriptor field, List<String> values, String what) {
    JsonElement json;
    if (field.isRepeated()) {
      JsonArray array = new JsonArray();
      values.forEach(value -> array.add(TextValues.toJson(field, value, what)));
      json = array;
    } else {
      json = TextValues.toJson(field, values.get(0), what);
    }
    builder.clearField(field);
    try {
      textParser.merge(jsonObject(field, json).toString(), builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw FacadeException.malformed(
          TextValues.describe(what, firstInvalid(builder, field, values), field));
    }
  }

  /** Which of the values JsonFormat refused, found by parsing each one on its own. */
  private String firstInvalid(Message.Builder builder, FieldDescriptor field, List<String> values) {
    for (String value : values) {
      JsonElement json = TextValues.toJson(field, value, "");
      if (field.isRepeated()) {
        JsonArray array = new JsonArray();
        array.add(json);
        json = array;
      }
      try {
        textParser.merge(
            jsonObject(field, json).toString(),
            builder.getDefaultInstanceForType().newBuilderForType());
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        return value;
      }
    }
    return values.get(0);
  }

  private static JsonObject jsonObject(FieldDescriptor field, JsonElement value) {
    JsonObject object = new JsonObject();
    object.add(field.getJsonName(), value);
    return object;
  }

  /**
   * Parser messages can carry a second line with a help URL, and can quote the client's value in
   * full: keep the first line, cut.
   */
  private static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "a value has the wrong JSON type";
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() <= PARSER_MESSAGE_CHARS_MAX
        ? line
        : line.substring(0, PARSER_MESSAGE_CHARS_MAX) + "...";
  }
}
