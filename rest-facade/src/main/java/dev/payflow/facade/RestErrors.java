package dev.payflow.facade;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpResponseException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import io.grpc.InternalStatus;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error answer of the REST API, as a {@code google.rpc.Status} JSON body with the standard
 * gRPC to HTTP status mapping and the request id. Armeria's own unframed error bodies are a
 * different shape ({@code grpc-code}, no ErrorInfo), so both of its error paths come here: the
 * service's failed calls ({@link UnframedGrpcErrorHandler}) and what the server answers itself, such
 * as 404, 405, 413 and timeouts ({@link ServerErrorHandler}).
 */
final class RestErrors implements UnframedGrpcErrorHandler, ServerErrorHandler {

  private static final Logger log = LoggerFactory.getLogger(RestErrors.class);

  private static final String JSON = "application/json";

  private static final Metadata.Key<byte[]> STATUS_DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /**
   * Response metadata never copied to HTTP: gRPC's own, and what the server or this handler sets
   * (the facade's {@code x-request-id} is the one the caller gets).
   */
  private static final Set<String> NOT_COPIED =
      Set.of(
          "content-type",
          "content-length",
          "transfer-encoding",
          "connection",
          "keep-alive",
          "te",
          "trailer",
          "upgrade",
          "date",
          "server",
          RequestChecks.REQUEST_ID_HEADER);

  private final RequestIds requestIds;
  private final List<Binding> bindings;

  RestErrors(List<ServerServiceDefinition> services, RequestIds requestIds) {
    this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
    this.bindings = Binding.of(services);
  }

  // --- Failed calls ---

  @Override
  public HttpResponse handle(
      ServiceRequestContext ctx, Status status, AggregatedHttpResponse response) {
    String requestId = requestId(ctx, null);
    HttpHeaders trailers =
        response.trailers().isEmpty() ? response.headers() : response.trailers();
    Metadata metadata = new Metadata();
    String details = trailers.get(STATUS_DETAILS.name());
    if (details != null) {
      try {
        metadata.put(STATUS_DETAILS, Base64.getDecoder().decode(details));
      } catch (IllegalArgumentException e) {
        log.warn("request {}: unreadable grpc-status-details-bin", requestId);
      }
    }
    Status decoded = status.withDescription(grpcMessage(trailers));
    com.google.rpc.Status body = ErrorBodies.fromCall(decoded, metadata, requestId);
    ResponseHeadersBuilder headers =
        ResponseHeaders.builder(ErrorBodies.httpStatus(Status.fromCodeValue(body.getCode()).getCode()));
    copyPublic(response.headers(), headers);
    if (trailers != response.headers()) {
      copyPublic(trailers, headers);
    }
    retryAfterSeconds(body).ifPresent(seconds -> headers.set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds)));
    return json(headers, requestId, body).toHttpResponse();
  }

  /**
   * The {@code RetryInfo} delay of a failed call (RATE_LIMITED carries one), in whole seconds
   * rounded up, as HTTP's {@code Retry-After} wants it.
   */
  static java.util.Optional<Long> retryAfterSeconds(com.google.rpc.Status body) {
    for (com.google.protobuf.Any detail : body.getDetailsList()) {
      if (detail.is(com.google.rpc.RetryInfo.class)) {
        try {
          com.google.protobuf.Duration delay = detail.unpack(com.google.rpc.RetryInfo.class).getRetryDelay();
          return java.util.Optional.of(Math.max(1, delay.getSeconds() + (delay.getNanos() > 0 ? 1 : 0)));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return java.util.Optional.empty();
        }
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * The {@code grpc-message} as the service wrote it: on the wire it is percent-encoded, and
   * Armeria hands it on as it came.
   */
  private static String grpcMessage(HttpHeaders trailers) {
    String raw = trailers.get("grpc-message");
    if (raw == null) {
      return null;
    }
    Metadata message = new Metadata();
    message.put(Metadata.Key.of("grpc-message", Metadata.ASCII_STRING_MARSHALLER), raw);
    return message.get(InternalStatus.MESSAGE_KEY);
  }

  private static void copyPublic(HttpHeaders from, ResponseHeadersBuilder to) {
    from.forEach(
        (name, value) -> {
          String key = name.toString();
          if (key.startsWith(":")
              || key.startsWith("grpc-")
              || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)
              || NOT_COPIED.contains(key)) {
            return;
          }
          to.add(name, value);
        });
  }

  // --- Errors the server or the checks answer ---

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    if (cause instanceof FacadeException facade) {
      return facadeError(ctx, null, facade, null).toHttpResponse();
    }
    if (cause instanceof HttpStatusException statusException) {
      Throwable reason = cause.getCause();
      return render(
              ctx,
              null,
              statusException.httpStatus(),
              reason == null ? null : reason.getMessage(),
              reason == null ? cause : reason)
          .toHttpResponse();
    }
    if (cause instanceof HttpResponseException) {
      return null; // A response a service chose; let Armeria send it.
    }
    if (cause instanceof ContentTooLargeException) {
      return render(ctx, null, HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, cause).toHttpResponse();
    }
    if (cause instanceof RequestTimeoutException) {
      return render(ctx, null, HttpStatus.SERVICE_UNAVAILABLE, null, cause).toHttpResponse();
    }
    if (cause instanceof com.linecorp.armeria.common.stream.ClosedStreamException
        || cause instanceof com.linecorp.armeria.common.ClosedSessionException) {
      // The client went away (or the server is stopping) before its request was read: no one to
      // tell, and not a bug.
      log.debug("request {}: the request ended early: {}", requestId(ctx, null), cause.toString());
      return facadeError(ctx, null, FacadeException.unavailable("the request was not received in full"), null)
          .toHttpResponse();
    }
    log.error("request {}: {} {} failed in the REST layer", requestId(ctx, null), ctx.method(), ctx.path(), cause);
    return facadeError(ctx, null, FacadeException.internal("internal error; quote the request id"), null)
        .toHttpResponse();
  }

  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    return render(ctx, headers, status, description, cause);
  }

  private AggregatedHttpResponse render(
      ServiceRequestContext ctx,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    RequestHeaders request = headers != null ? headers : ctx != null ? ctx.request().headers() : null;
    String method = request == null ? "?" : request.method().name();
    String path = request == null ? "?" : request.path();
    int query = path.indexOf('?');
    String rawPath = query < 0 ? path : path.substring(0, query);
    FacadeException error;
    SortedSet<String> allowed = null;
    switch (status.code()) {
      case 404 -> error =
          FacadeException.routeNotFound("no API method at " + method + " " + EchoedText.quoted(rawPath));
      case 405 -> {
        allowed = allowedMethods(rawPath);
        error =
            FacadeException.methodNotAllowed(
                method + " is not allowed here (expected: " + String.join(", ", allowed) + ")");
      }
      case 413 -> {
        long length = cause instanceof ContentTooLargeException tooLarge ? tooLarge.contentLength() : -1;
        error =
            FacadeException.malformed(
                "request body: "
                    + (length > 0 ? Long.toString(length) : "more than " + RestApi.BODY_BYTES_MAX)
                    + " bytes (expected: at most "
                    + RestApi.BODY_BYTES_MAX
                    + ")");
      }
      case 431 -> error =
          FacadeException.malformed(
              "request headers: too large (expected: at most " + RestApi.HEADER_BYTES_MAX + " bytes)");
      case 408 -> error = FacadeException.malformed("request: not received in time");
      case 503, 504 -> error = FacadeException.unavailable("the service is unavailable; retry later");
      default -> {
        if (status.code() >= 500) {
          log.warn("request {}: HTTP {} from the REST layer", requestId(ctx, request), status.code(), cause);
          error = FacadeException.internal("internal error; quote the request id");
        } else {
          error = FacadeException.malformed(
              "request: " + (description != null ? EchoedText.cut(description) : status.reasonPhrase()));
        }
      }
    }
    return facadeError(ctx, request, error, allowed);
  }

  private AggregatedHttpResponse facadeError(
      ServiceRequestContext ctx, RequestHeaders request, FacadeException error, SortedSet<String> allowed) {
    String requestId = requestId(ctx, request);
    ResponseHeadersBuilder headers = ResponseHeaders.builder(error.httpStatus());
    if (allowed != null && !allowed.isEmpty()) {
      headers.set(HttpHeaderNames.ALLOW, String.join(", ", allowed));
    }
    return json(headers, requestId, ErrorBodies.facadeError(error, requestId));
  }

  private static AggregatedHttpResponse json(
      ResponseHeadersBuilder headers, String requestId, com.google.rpc.Status body) {
    headers.set(HttpHeaderNames.CONTENT_TYPE, JSON).set(RequestChecks.REQUEST_ID_HEADER, requestId);
    return AggregatedHttpResponse.of(headers.build(), com.linecorp.armeria.common.HttpData.ofUtf8(ErrorBodies.toJson(body)));
  }

  /** The request id {@link RequestChecks} chose, or one made now for a request it never saw. */
  private String requestId(ServiceRequestContext ctx, RequestHeaders request) {
    if (ctx != null) {
      String chosen = ctx.attr(RequestChecks.REQUEST_ID);
      if (chosen != null) {
        return chosen;
      }
      String id = requestIds.fromHeaderOrNew(ctx.request().headers().get(RequestChecks.REQUEST_ID_HEADER));
      ctx.setAttr(RequestChecks.REQUEST_ID, id);
      return id;
    }
    return requestIds.fromHeaderOrNew(request == null ? null : request.get(RequestChecks.REQUEST_ID_HEADER));
  }

  /**
   * The HTTP methods the REST API serves at this path, for the {@code Allow} header of a 405:
   * Armeria answers 405 without one.
   */
  SortedSet<String> allowedMethods(String rawPath) {
    SortedSet<String> allowed = new TreeSet<>();
    for (Binding binding : bindings) {
      if (binding.path.matcher(rawPath).matches()) {
        allowed.add(binding.method);
      }
    }
    return allowed;
  }

  /** One HTTP method and path template of a {@code google.api.http} rule, as a pattern. */
  private record Binding(String method, Pattern path) {

    static List<Binding> of(List<ServerServiceDefinition> services) {
      List<Binding> bindings = new ArrayList<>();
      for (ServerServiceDefinition service : services) {
        service.getMethods().forEach(definition -> {
          Object schema = definition.getMethodDescriptor().getSchemaDescriptor();
          if (schema instanceof ProtoMethodDescriptorSupplier supplier) {
            MethodDescriptor method = supplier.getMethodDescriptor();
            if (method.getOptions().hasExtension(AnnotationsProto.http)) {
              HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
              add(bindings, rule);
              rule.getAdditionalBindingsList().forEach(extra -> add(bindings, extra));
            }
          }
        });
      }
      return List.copyOf(bindings);
    }

    private static void add(List<Binding> bindings, HttpRule rule) {
      Map.Entry<String, String> pattern =
          switch (rule.getPatternCase()) {
            case GET -> Map.entry("GET", rule.getGet());
            case PUT -> Map.entry("PUT", rule.getPut());
            case POST -> Map.entry("POST", rule.getPost());
            case DELETE -> Map.entry("DELETE", rule.getDelete());
            case PATCH -> Map.entry("PATCH", rule.getPatch());
            case CUSTOM -> Map.entry(rule.getCustom().getKind(), rule.getCustom().getPath());
            case PATTERN_NOT_SET -> null;
          };
      if (pattern != null) {
        bindings.add(new Binding(pattern.getKey(), Pattern.compile(regex(pattern.getValue()))));
      }
    }

    /** {@code /api/v1/wallets/{id}} as a regular expression: a variable is one or more segments. */
    private static String regex(String template) {
      StringBuilder regex = new StringBuilder();
      int i = 0;
      while (i < template.length()) {
        int open = template.indexOf('{', i);
        if (open < 0) {
          regex.append(Pattern.quote(template.substring(i)));
          break;
        }
        regex.append(Pattern.quote(template.substring(i, open)));
        int close = template.indexOf('}', open);
        String variable = template.substring(open + 1, close);
        regex.append(variable.contains("**") || variable.contains("/") ? ".+" : "[^/]+");
        i = close + 1;
      }
      return regex.toString();
    }
  }
}
