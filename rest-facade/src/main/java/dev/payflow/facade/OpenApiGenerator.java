package dev.payflow.facade;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;
import dev.payflow.proto.v1.AccessProto;
import dev.payflow.proto.v1.AccessRule;
import dev.payflow.proto.v1.IdempotencyProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 description of PayFlow's REST API, generated from the contract's descriptor set
 * ({@code descriptor/payflow.pb}, built with source info, so the proto comments become the
 * descriptions). Nothing is listed by hand: every {@code payflow.*} RPC with a {@code
 * google.api.http} rule becomes an operation, its request and response messages become schemas
 * with their JSON names and lowercase enum words, its access rule becomes its security, its
 * {@code (payflow.v1.idempotent)} option an {@code Idempotency-Key} header, and the error reasons
 * its comment documents become its error responses. The build runs {@link #main} once and the
 * jar carries the result as {@link #RESOURCE}, which {@link RestApi} serves.
 *
 * <p>The error body ({@code google.rpc.Status} with its details) is the one shape written here by
 * hand: it is Google's, stable, and its {@code reason} is the contract's {@code ErrorReason} enum.
 */
public final class OpenApiGenerator {

  /** Where the generated document lives on the class path. */
  public static final String RESOURCE = "openapi/payflow-openapi.json";

  /** The path the REST listener serves the document at. */
  public static final String PATH = "/api/v1/openapi.json";

  private static final String PACKAGE_PREFIX = "payflow.";
  private static final String REASON_ENUM = "payflow.v1.ErrorReason";

  /** Nested messages flattened into dotted query parameters at most this deep (none is today). */
  private static final int QUERY_DEPTH_MAX = 3;

  /** A reason's code in its comment: {@code [INVALID_ARGUMENT, 400]} or {@code [ABORTED]}. */
  private static final Pattern CODE_IN_COMMENT = Pattern.compile("\\[([A-Z_]+(?: or [A-Z_]+)?)(?:, (\\d{3}))?]");

  private static final Pattern UPPER_WORD = Pattern.compile("\\b[A-Z][A-Z0-9_]{2,}\\b");
  private static final Pattern PATH_VARIABLE = Pattern.compile("\\{([a-z0-9_.]+)(?:=[^}]*)?}");

  private final List<FileDescriptor> files;
  private final Map<String, FileDescriptorProto> protos = new HashMap<>();
  private final Map<String, Map<List<Integer>, Location>> locations = new HashMap<>();
  private final JsonObject schemas = new JsonObject();
  private final Map<String, Integer> reasonHttpStatus = new LinkedHashMap<>();
  private final Map<String, String> reasonDescriptions = new LinkedHashMap<>();

  private OpenApiGenerator(List<FileDescriptor> files) {
    this.files = files;
    for (FileDescriptor file : files) {
      protos.put(file.getName(), file.toProto());
    }
  }

  /** Writes the document to the file named by the one argument (the build's output folder). */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: OpenApiGenerator <output file>");
    }
    Path out = Path.of(args[0]);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json(fromDescriptorSet()), StandardCharsets.UTF_8);
  }

  /** The document as pretty-printed JSON, byte for byte what is served. */
  public static String json(JsonObject document) {
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(document) + "\n";
  }

  /** The document for the descriptor set on the class path. */
  public static JsonObject fromDescriptorSet() {
    return new OpenApiGenerator(descriptorSetFiles()).document();
  }

  /**
   * Every file of the descriptor set, built from the set itself so that its source info (the
   * comments) is kept, with the http, access and idempotent options readable.
   */
  static List<FileDescriptor> descriptorSetFiles() {
    ExtensionRegistry extensions = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(extensions);
    AccessProto.registerAllExtensions(extensions);
    IdempotencyProto.registerAllExtensions(extensions);
    FileDescriptorSet set;
    try (InputStream in =
        OpenApiGenerator.class.getClassLoader().getResourceAsStream(GrpcForwarder.DESCRIPTOR_SET)) {
      if (in == null) {
        throw new IllegalStateException(GrpcForwarder.DESCRIPTOR_SET + " is not on the class path");
      }
      set = FileDescriptorSet.parseFrom(in, extensions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + GrpcForwarder.DESCRIPTOR_SET, e);
    }
    Map<String, FileDescriptorProto> byName = new HashMap<>();
    set.getFileList().forEach(file -> byName.put(file.getName(), file));
    Map<String, FileDescriptor> built = new LinkedHashMap<>();
    for (FileDescriptorProto file : set.getFileList()) {
      build(file.getName(), byName, built);
    }
    return List.copyOf(built.values());
  }

  private static FileDescriptor build(
      String name, Map<String, FileDescriptorProto> byName, Map<String, FileDescriptor> built) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = byName.get(name);
    if (proto == null) {
      throw new IllegalStateException(GrpcForwarder.DESCRIPTOR_SET + " lacks " + name);
    }
    List<FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      dependencies.add(build(dependency, byName, built));
    }
    try {
      FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies.toArray(new FileDescriptor[0]));
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(GrpcForwarder.DESCRIPTOR_SET + ": " + name + " does not link", e);
    }
  }

  /** The RPCs of the contract that have a REST route. */
  static List<MethodDescriptor> restMethods(List<FileDescriptor> files) {
    List<MethodDescriptor> methods = new ArrayList<>();
    for (FileDescriptor file : files) {
      if (!file.getPackage().startsWith(PACKAGE_PREFIX)) {
        continue;
      }
      for (ServiceDescriptor service : file.getServices()) {
        for (MethodDescriptor method : service.getMethods()) {
          if (method.getOptions().hasExtension(AnnotationsProto.http)) {
            methods.add(method);
          }
        }
      }
    }
    return methods;
  }

  private JsonObject document() {
    readReasons();
    JsonObject document = new JsonObject();
    document.addProperty("openapi", "3.1.0");
    JsonObject info = new JsonObject();
    info.addProperty("title", "PayFlow API");
    info.addProperty("version", "v1");
    info.addProperty(
        "description",
        "Wallets, a double-entry ledger and money movement for partner apps. Generated from the"
            + " payflow/v1 protos and their google.api.http rules; the proto comments are the"
            + " reference. Money is a decimal string with its currency, never a JSON number. Every"
            + " error is a google.rpc.Status with one ErrorInfo whose `reason` is an ErrorReason.");
    document.add("info", info);
    JsonArray servers = new JsonArray();
    JsonObject local = new JsonObject();
    local.addProperty("url", "http://localhost:8080");
    local.addProperty("description", "The development server of the README's quick start");
    servers.add(local);
    document.add("servers", servers);

    JsonArray tags = new JsonArray();
    Map<String, JsonObject> paths = new TreeMap<>();
    Set<String> tagged = new LinkedHashSet<>();
    for (MethodDescriptor method : restMethods(files)) {
      ServiceDescriptor service = method.getService();
      if (tagged.add(service.getName())) {
        JsonObject tag = new JsonObject();
        tag.addProperty("name", service.getName());
        tag.addProperty("description", comment(service.getFile(), servicePath(service)));
        tags.add(tag);
      }
      HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
      addOperation(paths, method, rule, method.getName());
      for (int i = 0; i < rule.getAdditionalBindingsCount(); i++) {
        addOperation(paths, method, rule.getAdditionalBindings(i), method.getName() + (i + 2));
      }
    }
    JsonObject pathsJson = new JsonObject();
    // The document's own route: served by RestApi beside the transcoded ones, with no credential.
    paths.put(PATH, documentPath());
    paths.forEach(pathsJson::add);
    document.add("paths", pathsJson);
    document.add("tags", tags);

    addErrorSchemas();
    JsonObject components = new JsonObject();
    JsonObject sortedSchemas = new JsonObject();
    new TreeMap<>(schemas.asMap()).forEach(sortedSchemas::add);
    components.add("schemas", sortedSchemas);
    components.add("securitySchemes", securitySchemes());
    document.add("components", components);
    return document;
  }

  // --- operations -------------------------------------------------------------------------

  private void addOperation(
      Map<String, JsonObject> paths, MethodDescriptor method, HttpRule rule, String operationId) {
    String verb;
    String template;
    switch (rule.getPatternCase()) {
      case GET -> { verb = "get"; template = rule.getGet(); }
      case POST -> { verb = "post"; template = rule.getPost(); }
      case PUT -> { verb = "put"; template = rule.getPut(); }
      case PATCH -> { verb = "patch"; template = rule.getPatch(); }
      case DELETE -> { verb = "delete"; template = rule.getDelete(); }
      default -> throw new IllegalStateException(
          method.getFullName() + ": http rule " + rule.getPatternCase() + " (expected: get, post, put, patch, delete)");
    }
    Descriptor input = method.getInputType();
    List<FieldDescriptor> pathFields = new ArrayList<>();
    StringBuilder path = new StringBuilder();
    Matcher variables = PATH_VARIABLE.matcher(template);
    while (variables.find()) {
      FieldDescriptor field = input.findFieldByName(variables.group(1));
      if (field == null) {
        throw new IllegalStateException(
            method.getFullName() + ": path variable " + variables.group(1) + " is not a field of " + input.getName());
      }
      pathFields.add(field);
      variables.appendReplacement(path, Matcher.quoteReplacement("{" + field.getJsonName() + "}"));
    }
    variables.appendTail(path);

    JsonObject operation = new JsonObject();
    operation.addProperty("operationId", operationId);
    JsonArray tags = new JsonArray();
    tags.add(method.getService().getName());
    operation.add("tags", tags);
    String description = comment(method.getFile(), methodPath(method));
    operation.addProperty("summary", firstSentence(description));
    operation.addProperty("description", description);
    operation.addProperty("x-payflow-grpc-method", method.getService().getFullName() + "/" + method.getName());

    JsonArray parameters = new JsonArray();
    for (FieldDescriptor field : pathFields) {
      JsonObject parameter = new JsonObject();
      parameter.addProperty("name", field.getJsonName());
      parameter.addProperty("in", "path");
      parameter.addProperty("required", true);
      parameter.addProperty("description", fieldComment(field));
      parameter.add("schema", fieldSchema(field));
      parameters.add(parameter);
    }
    boolean idempotent = method.getOptions().getExtension(IdempotencyProto.idempotent);
    if (idempotent) {
      JsonObject header = new JsonObject();
      header.addProperty("name", "Idempotency-Key");
      header.addProperty("in", "header");
      header.addProperty("required", false);
      header.addProperty(
          "description",
          "The idempotency key, if not in the body's `idempotencyKey` (both present and different:"
              + " IDEMPOTENCY_KEY_CONFLICT). The same key returns the original result.");
      header.add("schema", stringSchema());
      parameters.add(header);
    }
    String body = rule.getBody();
    if (body.isEmpty()) {
      for (FieldDescriptor field : input.getFields()) {
        if (!pathFields.contains(field)) {
          addQueryParameters(parameters, field, field.getJsonName(), fieldComment(field), 0);
        }
      }
    }
    if (!parameters.isEmpty()) {
      operation.add("parameters", parameters);
    }
    if (!body.isEmpty()) {
      operation.add("requestBody", requestBody(method, body, pathFields));
    }
    operation.add("responses", responses(method, description));
    operation.add("security", security(method));
    operation.addProperty("x-payflow-idempotent", idempotent);

    String pathString = path.toString();
    JsonObject item = paths.computeIfAbsent(pathString, p -> new JsonObject());
    if (item.has(verb)) {
      throw new IllegalStateException(verb.toUpperCase() + " " + pathString + " is bound twice");
    }
    item.add(verb, operation);
  }

  private void addQueryParameters(
      JsonArray parameters, FieldDescriptor field, String name, String description, int depth) {
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()
        && wellKnown(field.getMessageType()) == null) {
      if (depth >= QUERY_DEPTH_MAX) {
        throw new IllegalStateException(name + ": query parameters nested deeper than " + QUERY_DEPTH_MAX);
      }
      for (FieldDescriptor nested : field.getMessageType().getFields()) {
        addQueryParameters(parameters, nested, name + "." + nested.getJsonName(), fieldComment(nested), depth + 1);
      }
      return;
    }
    if (field.isMapField()) {
      throw new IllegalStateException(name + ": a map cannot be a query parameter");
    }
    JsonObject parameter = new JsonObject();
    parameter.addProperty("name", name);
    parameter.addProperty("in", "query");
    parameter.addProperty("required", false);
    parameter.addProperty("description", description);
    parameter.add("schema", fieldSchema(field));
    if (field.isRepeated()) {
      parameter.addProperty("explode", true);
    }
    parameters.add(parameter);
  }

  private JsonObject requestBody(MethodDescriptor method, String body, List<FieldDescriptor> pathFields) {
    JsonObject schema;
    Descriptor input = method.getInputType();
    if (body.equals("*")) {
      if (input.getFullName().equals("google.api.HttpBody")) {
        JsonObject raw = new JsonObject();
        JsonObject content = new JsonObject();
        JsonObject anyType = new JsonObject();
        JsonObject bytes = new JsonObject();
        bytes.addProperty("type", "string");
        bytes.addProperty("contentMediaType", "application/octet-stream");
        anyType.add("schema", bytes);
        content.add("*/*", anyType);
        raw.addProperty("description", "The raw body, passed to the service byte for byte.");
        raw.add("content", content);
        raw.addProperty("required", true);
        return raw;
      }
      if (pathFields.isEmpty()) {
        schema = messageRef(input);
      } else {
        // The body is the request without the fields bound to the path.
        String name = schemaName(input) + "Body";
        if (!schemas.has(name)) {
          schemas.add(name, objectSchema(input, pathFields));
        }
        schema = ref(name);
      }
    } else {
      FieldDescriptor field = input.findFieldByName(body);
      if (field == null) {
        throw new IllegalStateException(method.getFullName() + ": body " + body + " is not a field");
      }
      schema = fieldSchema(field);
    }
    JsonObject media = new JsonObject();
    media.add("schema", schema);
    JsonObject content = new JsonObject();
    content.add("application/json", media);
    JsonObject requestBody = new JsonObject();
    requestBody.addProperty("required", true);
    requestBody.add("content", content);
    return requestBody;
  }

  private JsonObject responses(MethodDescriptor method, String description) {
    JsonObject responses = new JsonObject();
    JsonObject ok = new JsonObject();
    Descriptor output = method.getOutputType();
    ok.addProperty("description", "The " + output.getName() + ".");
    if (output.getFullName().equals("google.api.HttpBody")) {
      // The answer is the body's own bytes in its own content type (the export's JSON lines).
      JsonObject text = new JsonObject();
      text.addProperty("type", "string");
      JsonObject media = new JsonObject();
      media.add("schema", text);
      JsonObject content = new JsonObject();
      content.add("application/x-ndjson", media);
      ok.add("content", content);
    } else if (!output.getFullName().equals("google.protobuf.Empty")) {
      JsonObject media = new JsonObject();
      media.add("schema", messageRef(output));
      JsonObject content = new JsonObject();
      content.add("application/json", media);
      ok.add("content", content);
    }
    responses.add("200", ok);

    // The reasons the method's comment documents, grouped by their HTTP status.
    Map<Integer, List<String>> byStatus = new TreeMap<>();
    Set<String> documented = new LinkedHashSet<>();
    Matcher words = UPPER_WORD.matcher(description);
    while (words.find()) {
      String word = words.group();
      if (reasonHttpStatus.containsKey(word) && documented.add(word)) {
        byStatus.computeIfAbsent(reasonHttpStatus.get(word), s -> new ArrayList<>()).add(word);
      }
    }
    byStatus.forEach(
        (status, reasons) -> responses.add(String.valueOf(status), errorResponse(reasons)));
    JsonObject other = new JsonObject();
    other.addProperty(
        "description",
        "Any other error (authentication, permission, rate limit, unavailable): a google.rpc.Status"
            + " whose ErrorInfo reason is an ErrorReason.");
    other.add("content", errorContent());
    responses.add("default", other);
    return responses;
  }

  private JsonObject errorResponse(List<String> reasons) {
    JsonObject response = new JsonObject();
    response.addProperty("description", "ErrorInfo reason " + String.join(", ", reasons) + ".");
    response.add("content", errorContent());
    JsonArray list = new JsonArray();
    reasons.forEach(list::add);
    response.add("x-payflow-error-reasons", list);
    return response;
  }

  private JsonObject errorContent() {
    JsonObject media = new JsonObject();
    media.add("schema", ref("Status"));
    JsonObject content = new JsonObject();
    content.add("application/json", media);
    return content;
  }

  private static JsonArray security(MethodDescriptor method) {
    JsonArray security = new JsonArray();
    AccessRule rule = method.getOptions().getExtension(AccessProto.access);
    String scheme =
        switch (rule.getRuleCase()) {
          case PARTNER_PERMISSION -> "partnerKey";
          case ADMIN, OPERATOR_ROLE -> "adminToken";
          case SIGNED_BY_SENDER, PUBLIC -> null;
          case RULE_NOT_SET -> throw new IllegalStateException(method.getFullName() + " has no access rule");
        };
    if (scheme != null) {
      JsonObject requirement = new JsonObject();
      JsonArray scopes = new JsonArray();
      // An empty permission (any valid partner key, e.g. RollOwnApiKey) needs no scope.
      if (rule.getRuleCase() == AccessRule.RuleCase.PARTNER_PERMISSION && !rule.getPartnerPermission().isEmpty()) {
        scopes.add(rule.getPartnerPermission());
      }
      requirement.add(scheme, scopes);
      security.add(requirement);
    }
    return security;
  }

  private static JsonObject securitySchemes() {
    JsonObject schemes = new JsonObject();
    JsonObject partner = new JsonObject();
    partner.addProperty("type", "http");
    partner.addProperty("scheme", "bearer");
    partner.addProperty(
        "description",
        "A partner API key, `sk_test_...` (sandbox) or `sk_live_...` (production). The scopes"
            + " listed on an operation are the permission the key must carry.");
    schemes.add("partnerKey", partner);
    JsonObject admin = new JsonObject();
    admin.addProperty("type", "http");
    admin.addProperty("scheme", "bearer");
    admin.addProperty("description", "The operators' admin token (PAYFLOW_ADMIN_TOKEN); never a partner key.");
    schemes.add("adminToken", admin);
    return schemes;
  }

  private static JsonObject documentPath() {
    JsonObject operation = new JsonObject();
    operation.addProperty("operationId", "GetOpenApiDocument");
    operation.addProperty("summary", "This document.");
    operation.addProperty("description", "This OpenAPI description, generated from the protos at build time.");
    operation.add("security", new JsonArray());
    JsonObject ok = new JsonObject();
    ok.addProperty("description", "The OpenAPI 3.1 document.");
    JsonObject media = new JsonObject();
    JsonObject object = new JsonObject();
    object.addProperty("type", "object");
    media.add("schema", object);
    JsonObject content = new JsonObject();
    content.add("application/json", media);
    ok.add("content", content);
    JsonObject responses = new JsonObject();
    responses.add("200", ok);
    operation.add("responses", responses);
    JsonObject item = new JsonObject();
    item.add("get", operation);
    return item;
  }

  // --- schemas ----------------------------------------------------------------------------

  private JsonObject messageRef(Descriptor message) {
    JsonObject known = wellKnown(message);
    if (known != null) {
      return known;
    }
    String name = schemaName(message);
    if (!schemas.has(name)) {
      schemas.add(name, new JsonObject()); // a placeholder, so a recursive message terminates
      schemas.add(name, objectSchema(message, List.of()));
    }
    return ref(name);
  }

  private JsonObject objectSchema(Descriptor message, List<FieldDescriptor> without) {
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "object");
    String description = comment(message.getFile(), messagePath(message));
    if (!description.isEmpty()) {
      schema.addProperty("description", description);
    }
    JsonObject properties = new JsonObject();
    for (FieldDescriptor field : message.getFields()) {
      if (without.contains(field)) {
        continue;
      }
      JsonObject property = fieldSchema(field);
      String comment = fieldComment(field);
      if (!comment.isEmpty()) {
        property.addProperty("description", comment);
      }
      properties.add(field.getJsonName(), property);
    }
    schema.add("properties", properties);
    return schema;
  }

  private JsonObject fieldSchema(FieldDescriptor field) {
    if (field.isMapField()) {
      JsonObject map = new JsonObject();
      map.addProperty("type", "object");
      map.add("additionalProperties", singleSchema(field.getMessageType().findFieldByName("value")));
      return map;
    }
    JsonObject single = singleSchema(field);
    if (!field.isRepeated()) {
      return single;
    }
    JsonObject array = new JsonObject();
    array.addProperty("type", "array");
    array.add("items", single);
    return array;
  }

  private JsonObject singleSchema(FieldDescriptor field) {
    JsonObject schema = new JsonObject();
    switch (field.getType()) {
      case STRING -> schema.addProperty("type", "string");
      case BOOL -> schema.addProperty("type", "boolean");
      case DOUBLE, FLOAT -> schema.addProperty("type", "number");
      case INT32, SINT32, SFIXED32 -> {
        schema.addProperty("type", "integer");
        schema.addProperty("format", "int32");
      }
      case UINT32, FIXED32 -> {
        schema.addProperty("type", "integer");
        schema.addProperty("minimum", 0);
      }
      case INT64, SINT64, SFIXED64, UINT64, FIXED64 -> {
        // The protobuf JSON mapping prints 64-bit integers as strings.
        schema.addProperty("type", "string");
        schema.addProperty("format", "int64");
      }
      case BYTES -> {
        schema.addProperty("type", "string");
        schema.addProperty("contentEncoding", "base64");
      }
      case ENUM -> {
        return enumSchema(field.getEnumType());
      }
      case MESSAGE, GROUP -> {
        return messageRef(field.getMessageType());
      }
    }
    return schema;
  }

  /** Enums appear in JSON as their value names: the contract's lowercase words. */
  private JsonObject enumSchema(EnumDescriptor type) {
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "string");
    JsonArray values = new JsonArray();
    type.getValues().forEach(value -> values.add(value.getName()));
    schema.add("enum", values);
    return schema;
  }

  /** The JSON form of the well-known types, or null for an ordinary message. */
  private static JsonObject wellKnown(Descriptor message) {
    JsonObject schema = new JsonObject();
    switch (message.getFullName()) {
      case "google.protobuf.Timestamp" -> {
        schema.addProperty("type", "string");
        schema.addProperty("format", "date-time");
      }
      case "google.protobuf.Duration" -> {
        schema.addProperty("type", "string");
        schema.addProperty("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$");
      }
      case "google.protobuf.Struct" -> {
        schema.addProperty("type", "object");
        schema.add("additionalProperties", new JsonObject());
      }
      case "google.protobuf.Value" -> {
        return schema;
      }
      case "google.protobuf.ListValue" -> schema.addProperty("type", "array");
      case "google.protobuf.Empty" -> schema.addProperty("type", "object");
      case "google.protobuf.StringValue" -> typeOrNull(schema, "string");
      case "google.protobuf.BoolValue" -> typeOrNull(schema, "boolean");
      case "google.protobuf.Int32Value", "google.protobuf.UInt32Value" -> typeOrNull(schema, "integer");
      case "google.protobuf.DoubleValue", "google.protobuf.FloatValue" -> typeOrNull(schema, "number");
      case "google.protobuf.Int64Value", "google.protobuf.UInt64Value", "google.protobuf.BytesValue" ->
          typeOrNull(schema, "string");
      default -> {
        return null;
      }
    }
    return schema;
  }

  private static void typeOrNull(JsonObject schema, String type) {
    JsonArray types = new JsonArray();
    types.add(type);
    types.add("null");
    schema.add("type", types);
  }

  /** Contract messages by their name in the package (nested ones dotted), others by full name. */
  private static String schemaName(Descriptor message) {
    String full = message.getFullName();
    String pkg = message.getFile().getPackage();
    return pkg.startsWith(PACKAGE_PREFIX) ? full.substring(pkg.length() + 1) : full;
  }

  private static JsonObject ref(String name) {
    JsonObject ref = new JsonObject();
    ref.addProperty("$ref", "#/components/schemas/" + name);
    return ref;
  }

  private static JsonObject stringSchema() {
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "string");
    return schema;
  }

  // --- the error body -----------------------------------------------------------------------

  /** Reads every ErrorReason with its HTTP status from errors.proto's comments. */
  private void readReasons() {
    EnumDescriptor reasons = null;
    for (FileDescriptor file : files) {
      EnumDescriptor found = file.findEnumTypeByName("ErrorReason");
      if (found != null && found.getFullName().equals(REASON_ENUM)) {
        reasons = found;
      }
    }
    if (reasons == null) {
      throw new IllegalStateException(REASON_ENUM + " is not in the descriptor set");
    }
    Integer sectionStatus = null;
    for (EnumValueDescriptor value : reasons.getValues()) {
      if (value.getNumber() == 0) {
        continue;
      }
      Location location = location(value.getFile(), enumValuePath(value));
      for (String detached : location.getLeadingDetachedCommentsList()) {
        if (detached.contains("---")) {
          Matcher code = CODE_IN_COMMENT.matcher(detached);
          sectionStatus = code.find() && code.group(2) != null ? Integer.valueOf(code.group(2)) : null;
        }
      }
      String own = location.getLeadingComments();
      Matcher code = CODE_IN_COMMENT.matcher(own);
      Integer status = code.find() && code.group(2) != null ? Integer.valueOf(code.group(2)) : sectionStatus;
      if (status == null) {
        throw new IllegalStateException(
            REASON_ENUM + "." + value.getName() + ": no HTTP status in its comment or its section's");
      }
      reasonHttpStatus.put(value.getName(), status);
      reasonDescriptions.put(value.getName(), clean(own));
    }
  }

  private void addErrorSchemas() {
    JsonObject reason = new JsonObject();
    reason.addProperty("type", "string");
    reason.addProperty("description", "The stable reason of an error; switch on it, not on the message text.");
    JsonArray values = new JsonArray();
    reasonHttpStatus.keySet().forEach(values::add);
    reason.add("enum", values);
    JsonObject statuses = new JsonObject();
    reasonHttpStatus.forEach((name, status) -> statuses.addProperty(name, status));
    reason.add("x-payflow-http-status", statuses);
    JsonObject descriptions = new JsonObject();
    reasonDescriptions.forEach(descriptions::addProperty);
    reason.add("x-payflow-descriptions", descriptions);
    schemas.add("ErrorReason", reason);

    JsonObject errorInfo = typedDetail("google.rpc.ErrorInfo");
    JsonObject errorInfoProperties = errorInfo.getAsJsonObject("properties");
    errorInfoProperties.add("reason", ref("ErrorReason"));
    JsonObject domain = new JsonObject();
    domain.addProperty("const", "payflow");
    errorInfoProperties.add("domain", domain);
    JsonObject metadata = new JsonObject();
    metadata.addProperty("type", "object");
    metadata.add("additionalProperties", stringSchema());
    metadata.addProperty("description", "Holds `requestId`, the response's `x-request-id`.");
    errorInfoProperties.add("metadata", metadata);
    schemas.add("ErrorInfo", errorInfo);

    JsonObject requestInfo = typedDetail("google.rpc.RequestInfo");
    requestInfo.getAsJsonObject("properties").add("requestId", stringSchema());
    requestInfo.getAsJsonObject("properties").add("servingData", stringSchema());
    schemas.add("RequestInfo", requestInfo);

    JsonObject retryInfo = typedDetail("google.rpc.RetryInfo");
    JsonObject delay = durationSchema("google.protobuf.Duration");
    retryInfo.getAsJsonObject("properties").add("retryDelay", delay);
    schemas.add("RetryInfo", retryInfo);

    JsonObject status = new JsonObject();
    status.addProperty("type", "object");
    status.addProperty(
        "description",
        "Every error body: a google.rpc.Status whose details hold one ErrorInfo, a RequestInfo and,"
            + " for RATE_LIMITED, a RetryInfo.");
    JsonObject properties = new JsonObject();
    JsonObject code = new JsonObject();
    code.addProperty("type", "integer");
    code.addProperty("description", "The gRPC status code (5 NOT_FOUND, 9 FAILED_PRECONDITION, ...).");
    properties.add("code", code);
    JsonObject message = stringSchema();
    message.addProperty("description", "For people; may change. Never switch on it.");
    properties.add("message", message);
    JsonObject details = new JsonObject();
    details.addProperty("type", "array");
    JsonObject oneOf = new JsonObject();
    JsonArray kinds = new JsonArray();
    kinds.add(ref("ErrorInfo"));
    kinds.add(ref("RequestInfo"));
    kinds.add(ref("RetryInfo"));
    oneOf.add("oneOf", kinds);
    details.add("items", oneOf);
    properties.add("details", details);
    status.add("properties", properties);
    JsonArray required = new JsonArray();
    required.add("code");
    required.add("message");
    required.add("details");
    status.add("required", required);
    schemas.add("Status", status);
  }

  private static JsonObject typedDetail(String fullName) {
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "object");
    JsonObject properties = new JsonObject();
    JsonObject type = new JsonObject();
    type.addProperty("const", "type.googleapis.com/" + fullName);
    properties.add("@type", type);
    schema.add("properties", properties);
    JsonArray required = new JsonArray();
    required.add("@type");
    schema.add("required", required);
    return schema;
  }

  private static JsonObject durationSchema(String fullName) {
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "string");
    schema.addProperty("description", fullName + " in its JSON form, e.g. \"1.5s\"");
    return schema;
  }

  // --- comments ---------------------------------------------------------------------------

  private String fieldComment(FieldDescriptor field) {
    if (field.isExtension()) {
      return "";
    }
    List<Integer> path = new ArrayList<>(messagePath(field.getContainingType()));
    path.add(2);
    path.add(field.getIndex());
    return comment(field.getFile(), path);
  }

  private String comment(FileDescriptor file, List<Integer> path) {
    return clean(location(file, path).getLeadingComments());
  }

  private Location location(FileDescriptor file, List<Integer> path) {
    Map<List<Integer>, Location> byPath =
        locations.computeIfAbsent(file.getName(), name -> {
          Map<List<Integer>, Location> index = new HashMap<>();
          protos.get(name).getSourceCodeInfo().getLocationList()
              .forEach(location -> index.putIfAbsent(List.copyOf(location.getPathList()), location));
          return index;
        });
    return byPath.getOrDefault(path, Location.getDefaultInstance());
  }

  /** A proto comment as text: lines joined, blank lines kept as paragraph breaks. */
  private static String clean(String comment) {
    StringBuilder text = new StringBuilder();
    for (String line : comment.strip().split("\n", -1)) {
      String stripped = line.strip();
      if (stripped.isEmpty()) {
        if (text.length() > 0 && !text.toString().endsWith("\n\n")) {
          text.append("\n\n");
        }
      } else {
        if (text.length() > 0 && !text.toString().endsWith("\n")) {
          text.append(' ');
        }
        text.append(stripped);
      }
    }
    return text.toString().strip();
  }

  private static String firstSentence(String text) {
    int end = text.indexOf(". ");
    String first = end < 0 ? text : text.substring(0, end + 1);
    int paragraph = first.indexOf("\n");
    return (paragraph < 0 ? first : first.substring(0, paragraph)).strip();
  }

  private static List<Integer> servicePath(ServiceDescriptor service) {
    return List.of(6, service.getIndex());
  }

  private static List<Integer> methodPath(MethodDescriptor method) {
    return List.of(6, method.getService().getIndex(), 2, method.getIndex());
  }

  private static List<Integer> messagePath(Descriptor message) {
    if (message.getContainingType() == null) {
      return List.of(4, message.getIndex());
    }
    List<Integer> path = new ArrayList<>(messagePath(message.getContainingType()));
    path.add(3);
    path.add(message.getIndex());
    return path;
  }

  private static List<Integer> enumValuePath(EnumValueDescriptor value) {
    EnumDescriptor type = value.getType();
    List<Integer> path = new ArrayList<>();
    if (type.getContainingType() == null) {
      path.add(5);
      path.add(type.getIndex());
    } else {
      path.addAll(messagePath(type.getContainingType()));
      path.add(4);
      path.add(type.getIndex());
    }
    path.add(2);
    path.add(value.getIndex());
    return path;
  }
}
