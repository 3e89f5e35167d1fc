package dev.payflow.facade;

import com.google.api.AnnotationsProto;
import com.google.api.HttpBody;
import com.google.api.HttpRule;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.DynamicMessage;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.QueryParamsBuilder;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.ServiceRequestContextWrapper;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.ServerMethodDefinition;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.netty.util.AttributeKey;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checks PayFlow's REST contract makes that Armeria's transcoding does not, run as a decorator
 * in front of it. Armeria then binds path, query and body to the request message and calls the
 * service; nothing here builds the message.
 *
 * <ul>
 *   <li>The request id: the caller's {@code x-request-id} if usable, else a new one, sent to the
 *       service as metadata and returned on every response.
 *   <li>JSON bodies: strict JSON (Armeria's Jackson accepts comments and single quotes with some
 *       settings, and JsonFormat does), UTF-8, {@code application/json}, uncompressed, and the
 *       {@link JsonTypeCheck}: a number for a string field (money) is MALFORMED_REQUEST and an enum
 *       word the field does not have is INVALID_FIELD, where JsonFormat would silently drop it.
 *   <li>Query strings: a {@code +} stays a {@code +} (Armeria reads it as a space, the HTML-form
 *       way; Envoy and the contract keep it, so {@code asOf=...+02:00} works), a scalar given
 *       twice is refused, and every value is checked so the error names the parameter.
 *   <li>Only the transcoded {@code google.api.http} routes: a framed gRPC path is not part of the
 *       REST API.
 *   <li>Response headers: {@code content-type: application/json} without a charset, and no
 *       {@code grpc-*} or binary headers of the core.
 * </ul>
 */
final class RequestChecks implements DecoratingHttpServiceFunction {

  /** The request id of the current request, for the error handler. */
  static final AttributeKey<String> REQUEST_ID =
      AttributeKey.valueOf(RequestChecks.class, "REQUEST_ID");

  static final String REQUEST_ID_HEADER = "x-request-id";

  /**
   * Most query parameters read from one request. No PayFlow list call has more than seven fields;
   * the bound keeps a query string of thousands of parameters from costing more.
   */
  static final int QUERY_PARAMETERS_MAX = 64;

  /** Longest parser message passed on; see {@link #firstLine}. */
  private static final int PARSER_MESSAGE_CHARS_MAX = 200;

  /** Path and query values: built here from known fields only, so strict. */
  private static final com.google.protobuf.util.JsonFormat.Parser TEXT_PARSER =
      com.google.protobuf.util.JsonFormat.parser();

  private final GrpcService service;
  private final RequestIds requestIds;
  private final JsonTypeCheck typeCheck;
  private final Map<String, Method> methods;
  private final List<String> pathPrefixes;

  private RequestChecks(RequestChecks other, List<String> pathPrefixes) {
    this.service = other.service;
    this.requestIds = other.requestIds;
    this.typeCheck = other.typeCheck;
    this.methods = other.methods;
    this.pathPrefixes = List.copyOf(pathPrefixes);
  }

  /** The same checks, for a listener that serves only paths under these prefixes (all if empty). */
  RequestChecks servingOnly(List<String> pathPrefixes) {
    return new RequestChecks(this, pathPrefixes);
  }

  RequestChecks(GrpcService service, RequestIds requestIds) {
    this.service = Objects.requireNonNull(service, "service");
    this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
    this.methods = new ConcurrentHashMap<>();
    this.pathPrefixes = List.of();
    List<Descriptor> inputTypes = new ArrayList<>();
    service.services().forEach(
        definition ->
            definition.getMethods().forEach(method -> {
              MethodDescriptor proto = protoMethod(method);
              if (proto != null) {
                inputTypes.add(proto.getInputType());
              }
            }));
    this.typeCheck = JsonTypeCheck.forTypes(inputTypes);
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    String requestId = requestIds.fromHeaderOrNew(req.headers().get(REQUEST_ID_HEADER));
    ctx.setAttr(REQUEST_ID, requestId);
    ctx.mutateAdditionalResponseHeaders(headers -> headers.set(REQUEST_ID_HEADER, requestId));
    requireHeadersWithinLimit(req.headers());
    Method method = method(ctx);
    RequestHeaders headers =
        req.headers().toBuilder()
            .set(REQUEST_ID_HEADER, requestId)
            .removeAndThen(HttpHeaderNames.CONTENT_LENGTH)
            .build();
    ServiceRequestContext checkedCtx = checkQuery(ctx, method);
    if (!method.hasBody) {
      return filterResponse(delegate.serve(checkedCtx, req.withHeaders(headers)));
    }
    requireIdentityEncoding(req.headers().get(HttpHeaderNames.CONTENT_ENCODING));
    return filterResponse(
        HttpResponse.of(
            req.aggregate()
                .thenApply(
                    aggregated -> {
                      RequestHeaders forwarded = headers;
                      if (!method.rawBody) {
                        checkJsonBody(aggregated, method.inputType);
                        if (!aggregated.content().isEmpty() && headers.contentType() == null) {
                          // The contract tolerates a JSON body without a Content-Type; Armeria's
                          // transcoding refuses it, so say what the checks found.
                          forwarded = headers.toBuilder().contentType(MediaType.JSON).build();
                        }
                      }
                      try {
                        return delegate.serve(
                            checkedCtx, HttpRequest.of(forwarded, aggregated.content()));
                      } catch (Exception e) {
                        return HttpResponse.ofFailure(e);
                      }
                    })));
  }

  /** The transcoded method this request is routed to. */
  private Method method(ServiceRequestContext ctx) {
    ServerMethodDefinition<?, ?> definition = service.methodDefinition(ctx);
    if (definition == null
        || ctx.path().equals("/" + definition.getMethodDescriptor().getFullMethodName())
        || !(pathPrefixes.isEmpty() || pathPrefixes.stream().anyMatch(ctx.path()::startsWith))) {
      // The framed gRPC route of the method (served on the gRPC port), or a path of another
      // listener: the admin API is not on the public one when it has a port of its own.
      throw FacadeException.routeNotFound(
          "no API method at " + ctx.method() + " " + EchoedText.quoted(ctx.path()));
    }
    return methods.computeIfAbsent(
        definition.getMethodDescriptor().getFullMethodName(), name -> Method.of(definition));
  }

  private static MethodDescriptor protoMethod(ServerMethodDefinition<?, ?> definition) {
    Object schema = definition.getMethodDescriptor().getSchemaDescriptor();
    return schema instanceof ProtoMethodDescriptorSupplier supplier
        ? supplier.getMethodDescriptor()
        : null;
  }

  /** What the checks need to know of a method, read once. */
  private record Method(
      Descriptor inputType, boolean hasBody, boolean rawBody, Map<String, FieldDescriptor> query) {

    static Method of(ServerMethodDefinition<?, ?> definition) {
      MethodDescriptor proto = protoMethod(definition);
      if (proto == null) {
        throw new IllegalStateException(
            definition.getMethodDescriptor().getFullMethodName() + " has no proto descriptor");
      }
      HttpRule rule = proto.getOptions().getExtension(AnnotationsProto.http);
      boolean hasBody = !rule.getBody().isEmpty();
      Descriptor input = proto.getInputType();
      Map<String, FieldDescriptor> query = new HashMap<>();
      if (!hasBody) {
        for (FieldDescriptor field : input.getFields()) {
          if (TextValues.isTextSettable(field)) {
            query.put(field.getJsonName(), field);
            query.put(field.getName(), field);
          }
        }
      }
      boolean raw = input.getFullName().equals(HttpBody.getDescriptor().getFullName());
      return new Method(input, hasBody, raw, Map.copyOf(query));
    }
  }

  // --- Query strings ---

  /**
   * Checks the query of a body-less route and returns the context Armeria transcodes with: the
   * same one when Armeria's own reading of the query is the contract's, else one whose query
   * parameters keep {@code +}. A route with a body reads no query, as before.
   */
  private static ServiceRequestContext checkQuery(ServiceRequestContext ctx, Method method) {
    if (ctx.query() == null) {
      return ctx;
    }
    // The query as sent: Armeria normalizes its own copy, and writes a space as '+' there.
    String rawTarget = ctx.routingContext().requestTarget().rawPath();
    int queryStart = rawTarget == null ? -1 : rawTarget.indexOf('?');
    String rawQuery = queryStart < 0 ? ctx.query() : rawTarget.substring(queryStart + 1);
    if (rawQuery.isEmpty()) {
      return ctx;
    }
    if (method.hasBody) {
      return withQuery(ctx, QueryParams.of());
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
    QueryParamsBuilder params = QueryParams.builder();
    Map<FieldDescriptor, List<String>> valuesByField = new LinkedHashMap<>();
    Map<FieldDescriptor, String> nameByField = new HashMap<>();
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
      FieldDescriptor field = method.query.get(name);
      if (field == null) {
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
      params.add(name, value);
    }
    valuesByField.forEach(
        (field, values) ->
            checkText(method.inputType, field, values, "query parameter " + nameByField.get(field)));
    return rawQuery.indexOf('+') < 0 ? ctx : withQuery(ctx, params.build());
  }

  private static ServiceRequestContext withQuery(ServiceRequestContext ctx, QueryParams query) {
    return new ServiceRequestContextWrapper(ctx) {
      @Override
      public QueryParams queryParams() {
        return query;
      }
    };
  }

  /** Checks that JsonFormat takes these values for the field, naming the parameter if not. */
  private static void checkText(
      Descriptor type, FieldDescriptor field, List<String> values, String what) {
    for (String value : values) {
      JsonElement json = TextValues.toJson(field, value, what);
      if (field.isRepeated()) {
        JsonArray array = new JsonArray();
        array.add(json);
        json = array;
      }
      JsonObject object = new JsonObject();
      object.add(field.getJsonName(), json);
      try {
        TEXT_PARSER.merge(object.toString(), DynamicMessage.newBuilder(type));
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        throw FacadeException.malformed(TextValues.describe(what, value, field));
      }
    }
  }

  /**
   * The contract's 8 KiB of headers, for HTTP/2, where the listener lets a larger list through so
   * that it is refused here with a Status body (see {@link Listeners#HTTP2_HEADER_LIST_BYTES_CEILING});
   * HTTP/1 requests are held to it by Armeria's decoder already. Counted as names plus values,
   * which is never more than the bytes HTTP/1 sends for them.
   */
  private static void requireHeadersWithinLimit(RequestHeaders headers) {
    long bytes = 0;
    for (var header : headers) {
      bytes += header.getKey().length() + header.getValue().length();
    }
    if (bytes > RestApi.HEADER_BYTES_MAX) {
      throw FacadeException.malformed(
          "request headers: "
              + bytes
              + " bytes (expected: at most "
              + RestApi.HEADER_BYTES_MAX
              + " bytes)");
    }
  }

  // --- Bodies ---

  private static void requireIdentityEncoding(String contentEncoding) {
    if (contentEncoding != null
        && !contentEncoding.isBlank()
        && !contentEncoding.trim().equalsIgnoreCase("identity")) {
      throw FacadeException.malformed(
          "Content-Encoding "
              + EchoedText.quoted(contentEncoding)
              + " (expected: none; send the body uncompressed)");
    }
  }

  private void checkJsonBody(AggregatedHttpRequest request, Descriptor type) {
    byte[] body = request.content().array();
    if (body.length == 0) {
      return; // An empty body is an empty message, e.g. POST /api/v1/payouts/{id}/cancel.
    }
    requireJsonContentType(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
    String text = decodeUtf8(body);
    if (text.isBlank()) {
      return;
    }
    JsonElement tree = StrictJson.parse(text);
    if (!tree.isJsonObject()) {
      throw FacadeException.malformed("request body: not a JSON object (expected: {...})");
    }
    if (!typeCheck.check(tree.getAsJsonObject(), type)) {
      // Every value is of a kind JsonFormat takes whenever the check does: merging the body here
      // too would only parse it once more before Armeria's transcoder parses it for the service.
      return;
    }
    try {
      ProtoJson.merge(text, DynamicMessage.newBuilder(type));
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

  // --- Responses ---

  /** JSON answers say {@code application/json}; the core's gRPC and binary headers stay inside. */
  private static HttpResponse filterResponse(HttpResponse response) {
    return response.mapHeaders(RequestChecks::publicHeaders);
  }

  static ResponseHeaders publicHeaders(ResponseHeaders headers) {
    ResponseHeadersBuilder filtered = null;
    for (var entry : headers) {
      String name = entry.getKey().toString();
      if (name.startsWith("grpc-") || name.endsWith("-bin")) {
        if (filtered == null) {
          filtered = headers.toBuilder();
        }
        filtered.remove(name);
      }
    }
    MediaType contentType = headers.contentType();
    if (contentType != null && contentType.is(MediaType.JSON) && !contentType.parameters().isEmpty()) {
      if (filtered == null) {
        filtered = headers.toBuilder();
      }
      filtered.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    }
    return filtered == null ? headers : filtered.build();
  }
}
