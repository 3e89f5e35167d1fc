package dev.payflow.facade;

import com.google.api.HttpBody;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One REST binding of one unary gRPC method: HTTP method plus path template, how the request
 * message is filled, and everything about it that the facade would otherwise look up per request.
 * Built and validated once, at start-up.
 */
final class HttpRoute {

  /** Where the request message comes from. */
  enum BodyMode {
    /** No body: path variables and query parameters fill the message ({@code body} absent). */
    NONE,
    /** {@code body: "*"}: the JSON body is the message; path variables override its fields. */
    WHOLE_MESSAGE,
    /**
     * The request type is {@code google.api.HttpBody}: the body is passed on byte for byte, for
     * webhooks whose signature covers the exact bytes.
     */
    RAW_HTTP_BODY
  }

  /** A path variable at a segment position and the field it sets. */
  record PathBinding(int segmentIndex, FieldDescriptor field) {}

  private final String httpMethod;
  private final PathTemplate template;
  private final MethodDescriptor<Message, Message> grpcMethod;
  private final Message requestPrototype;
  private final BodyMode bodyMode;
  private final List<PathBinding> pathBindings;

  /** Fields a query parameter may set, under both their JSON name and their proto name. */
  private final Map<String, FieldDescriptor> queryFields;

  /** Fields that exist but only a JSON body can set (messages, maps), by both names. */
  private final Map<String, FieldDescriptor> bodyOnlyFields;

  private HttpRoute(
      String httpMethod,
      PathTemplate template,
      MethodDescriptor<Message, Message> grpcMethod,
      Message requestPrototype,
      BodyMode bodyMode,
      List<PathBinding> pathBindings,
      Map<String, FieldDescriptor> queryFields,
      Map<String, FieldDescriptor> bodyOnlyFields) {
    this.httpMethod = httpMethod;
    this.template = template;
    this.grpcMethod = grpcMethod;
    this.requestPrototype = requestPrototype;
    this.bodyMode = bodyMode;
    this.pathBindings = List.copyOf(pathBindings);
    this.queryFields = Map.copyOf(queryFields);
    this.bodyOnlyFields = Map.copyOf(bodyOnlyFields);
  }

  /**
   * Builds the route for one binding of a {@code google.api.http} rule.
   *
   * @param httpMethod {@code GET}, {@code POST}, ...
   * @param pathTemplate the rule's path
   * @param body the rule's {@code body}: empty or {@code *}
   * @param grpcMethod a unary method whose request marshaller knows its message prototype (as
   *     protoc-generated stubs' marshallers do)
   * @throws IllegalArgumentException naming the method and what is expected, for a rule the facade
   *     cannot serve
   */
  static HttpRoute create(
      String httpMethod, String pathTemplate, String body, MethodDescriptor<?, ?> grpcMethod) {
    Objects.requireNonNull(httpMethod, "httpMethod");
    Objects.requireNonNull(pathTemplate, "pathTemplate");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(grpcMethod, "grpcMethod");
    String where = grpcMethod.getFullMethodName() + " (" + httpMethod + " " + pathTemplate + ")";
    if (grpcMethod.getType() != MethodDescriptor.MethodType.UNARY) {
      throw new IllegalArgumentException(
          where + ": " + grpcMethod.getType() + " methods cannot be transcoded (expected: UNARY)");
    }
    if (!(grpcMethod.getRequestMarshaller()
            instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller)
        || !(marshaller.getMessagePrototype() instanceof Message prototype)) {
      throw new IllegalArgumentException(
          where
              + ": the request marshaller has no protobuf prototype (expected: a protoc-generated"
              + " stub)");
    }
    PathTemplate template = PathTemplate.parse(pathTemplate);
    Descriptor requestType = prototype.getDescriptorForType();
    boolean rawBody = requestType.getFullName().equals(HttpBody.getDescriptor().getFullName());

    BodyMode bodyMode;
    if (body.equals("*")) {
      bodyMode = rawBody ? BodyMode.RAW_HTTP_BODY : BodyMode.WHOLE_MESSAGE;
    } else if (body.isEmpty() && !rawBody) {
      bodyMode = BodyMode.NONE;
    } else {
      throw new IllegalArgumentException(
          where
              + ": body \""
              + body
              + "\" is not supported (expected: \"*\", or no body for a"
              + " request type other than google.api.HttpBody)");
    }

    List<PathBinding> pathBindings = new ArrayList<>();
    List<PathTemplate.Segment> segments = template.segments();
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i) instanceof PathTemplate.Variable variable) {
        FieldDescriptor field = requestType.findFieldByName(variable.fieldName());
        if (field == null || !TextValues.isPathBindable(field) || rawBody) {
          throw new IllegalArgumentException(
              where
                  + ": path variable {"
                  + variable.fieldName()
                  + "} must name a singular"
                  + " string, number, bool or enum field of "
                  + requestType.getFullName());
        }
        pathBindings.add(new PathBinding(i, field));
      }
    }

    Map<String, FieldDescriptor> queryFields = new HashMap<>();
    Map<String, FieldDescriptor> bodyOnlyFields = new HashMap<>();
    if (bodyMode == BodyMode.NONE) {
      // With body "*" every field not in the path comes from the body, so the http.proto rules
      // leave no field to the query string; only body-less rules read it.
      for (FieldDescriptor field : requestType.getFields()) {
        boolean boundByPath = pathBindings.stream().anyMatch(b -> b.field().equals(field));
        if (boundByPath) {
          continue;
        }
        Map<String, FieldDescriptor> target =
            TextValues.isTextSettable(field) ? queryFields : bodyOnlyFields;
        target.put(field.getJsonName(), field);
        target.put(field.getName(), field);
      }
    }

    @SuppressWarnings(
        "unchecked") // The marshallers are the method's own; only the static type is widened.
    MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) grpcMethod;
    return new HttpRoute(
        httpMethod,
        template,
        method,
        prototype,
        bodyMode,
        pathBindings,
        queryFields,
        bodyOnlyFields);
  }

  String httpMethod() {
    return httpMethod;
  }

  PathTemplate template() {
    return template;
  }

  MethodDescriptor<Message, Message> grpcMethod() {
    return grpcMethod;
  }

  Message requestPrototype() {
    return requestPrototype;
  }

  BodyMode bodyMode() {
    return bodyMode;
  }

  List<PathBinding> pathBindings() {
    return pathBindings;
  }

  /** The field a query parameter sets, by JSON or proto name; null if the query cannot set one. */
  FieldDescriptor queryField(String parameterName) {
    return queryFields.get(parameterName);
  }

  /** The field of this name that only a JSON body can set; null if there is none. */
  FieldDescriptor bodyOnlyField(String parameterName) {
    return bodyOnlyFields.get(parameterName);
  }

  @Override
  public String toString() {
    return httpMethod + " " + template + " -> " + grpcMethod.getFullMethodName();
  }
}
