package dev.payflow.facade;

import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingQueryParamMatchRule;
import io.grpc.ServerServiceDefinition;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * PayFlow's REST API on Armeria: the HTTP/JSON transcoding of the {@code google.api.http} rules of
 * whatever gRPC services it is given, with the contract's JSON mapping ({@link ProtoJson}), checks
 * ({@link RequestChecks}) and error bodies ({@link RestErrors}). There is no hand-written
 * controller and no list of services: a service with http rules is a REST API.
 *
 * <pre>{@code
 * RestApi api = RestApi.over(services);            // core-service: its own services, in process
 * ServerBuilder rest = Listeners.rest(Server.builder().http(8080));
 * api.mountOn(rest);
 * }</pre>
 */
public final class RestApi {

  /**
   * Largest request body accepted: 1 MiB. PayFlow's largest request is a few KiB (metadata is
   * capped at 8 KiB); Stripe events are well under 1 MiB. Anything bigger is a mistake or an
   * attack, and Armeria refuses it before it is held in memory.
   */
  public static final int BODY_BYTES_MAX = 1024 * 1024;

  /** Largest request line plus headers of an HTTP/1 request: 8 KiB, as most proxies allow. */
  public static final int HEADER_BYTES_MAX = 8 * 1024;

  /** The public REST API's paths: the partner-facing {@code /api/v1}. */
  public static final List<String> PUBLIC_PATHS = List.of("/api/v1/");

  /** The admin listener's paths: the admin API, the console and its CSRF token. */
  public static final List<String> ADMIN_PATHS = List.of("/api/admin/", "/admin", "/api/csrf-token");

  private final GrpcService service;
  private final RequestChecks checks;
  private final RestErrors errors;
  private final OpenApiService openApi;

  private RestApi(List<ServerServiceDefinition> services, SecureRandom random) {
    RequestIds requestIds = new RequestIds(random);
    this.errors = new RestErrors(services, requestIds);
    this.service =
        GrpcService.builder()
            .addServiceDefinitions(services)
            .enableHttpJsonTranscoding(
                HttpJsonTranscodingOptions.builder()
                    .queryParamMatchRules(
                        HttpJsonTranscodingQueryParamMatchRule.LOWER_CAMEL_CASE,
                        HttpJsonTranscodingQueryParamMatchRule.ORIGINAL_FIELD)
                    .errorHandler(errors)
                    .build())
            .jsonMarshallerFactory(serviceDescriptor -> ProtoJson.INSTANCE)
            // The services block on the database: never on an event loop.
            .useBlockingTaskExecutor(true)
            // Partners are not trusted code: the listener's request timeout bounds every call.
            .useClientTimeoutHeader(false)
            .maxRequestMessageLength(BODY_BYTES_MAX)
            .build();
    this.checks = new RequestChecks(service, requestIds);
    this.openApi = new OpenApiService(requestIds);
  }

  /**
   * The REST API of these services. Their methods with an http rule must be unary; Armeria refuses
   * a rule on a streaming method.
   */
  public static RestApi over(List<ServerServiceDefinition> services) {
    return over(services, new SecureRandom());
  }

  static RestApi over(List<ServerServiceDefinition> services, SecureRandom random) {
    Objects.requireNonNull(services, "services");
    Objects.requireNonNull(random, "random");
    return new RestApi(List.copyOf(services), random);
  }

  /** The REST API in front of a remote core: every payflow service forwarded over the channel. */
  public static RestApi forwardingTo(io.grpc.Channel channel) {
    return over(GrpcForwarder.to(channel));
  }

  /**
   * Serves the API on the builder's listeners, with its error bodies for everything the server
   * answers itself (404, 405, 413, timeouts). Call once per server, on a RestApi of its own.
   */
  public ServerBuilder mountOn(ServerBuilder server) {
    return mountOn(server, List.of());
  }

  /**
   * As {@link #mountOn(ServerBuilder)}, serving only the routes whose path starts with one of
   * {@code pathPrefixes} (all of them when empty); the others are 404 ROUTE_NOT_FOUND there.
   */
  public ServerBuilder mountOn(ServerBuilder server, List<String> pathPrefixes) {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(pathPrefixes, "pathPrefixes");
    RequestChecks scoped = checks.servingOnly(pathPrefixes);
    if (pathPrefixes.isEmpty() || pathPrefixes.stream().anyMatch(OpenApiGenerator.PATH::startsWith)) {
      // The API's OpenAPI description, generated from the same protos, on the listener of /api/v1.
      server.route().get(OpenApiGenerator.PATH).build(openApi);
    }
    return server.service(service, delegate -> delegate.decorate(scoped)).errorHandler(errors);
  }
}
