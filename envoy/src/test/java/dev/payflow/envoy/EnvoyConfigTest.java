package dev.payflow.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Any;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks envoy.yaml without an Envoy binary: it must parse into Envoy's own Bootstrap proto
 * (unknown fields and unknown {@code @type}s fail), and it must agree with the API contract's
 * descriptor set, which the proto module builds and Envoy mounts as /etc/envoy/payflow.pb.
 */
class EnvoyConfigTest {

  private static final String ENVOY_YAML = "envoy/envoy.yaml";
  private static final String DESCRIPTOR_SET = "descriptor/payflow.pb";
  private static final String PAYFLOW_PACKAGE = "payflow.v1";
  private static final int CORE_SERVICE_GRPC_PORT = 9090;

  /**
   * Every typed config envoy.yaml may use. A {@code @type} that is not here (a typo, or a new
   * extension nobody added) fails the parse, as it would fail Envoy's startup.
   */
  private static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(GrpcJsonTranscoder.getDescriptor())
          .add(Router.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .add(StdoutAccessLog.getDescriptor())
          .add(UuidRequestIdConfig.getDescriptor())
          .add(DownstreamConnectionsConfig.getDescriptor())
          .build();

  private static Bootstrap bootstrap;
  private static FileDescriptorSet descriptorSet;

  @BeforeAll
  static void load() throws IOException {
    bootstrap = parseBootstrap(readYaml(ENVOY_YAML));
    ExtensionRegistry extensions = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(extensions); // google.api.http on methods
    try (InputStream in = resource(DESCRIPTOR_SET)) {
      descriptorSet = FileDescriptorSet.parseFrom(in, extensions);
    }
  }

  // --- Envoy's schema -------------------------------------------------------------------------

  @Test
  void parsingRejectsUnknownFieldsAndUnknownTypes() throws IOException {
    // The check has teeth: a misspelled field, or a typed_config whose @type is unknown,
    // is an error, not silently dropped.
    ObjectNode misspelled = (ObjectNode) readYaml(ENVOY_YAML);
    ((ObjectNode) misspelled.get("admin")).put("adress", "x");
    assertThatThrownBy(() -> parseBootstrap(misspelled))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("adress");

    ObjectNode unknownType = (ObjectNode) readYaml(ENVOY_YAML);
    ObjectNode router = (ObjectNode) unknownType.at(
        "/static_resources/listeners/0/filter_chains/0/filters/0/typed_config/http_filters/1/typed_config");
    router.put("@type", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr");
    assertThatThrownBy(() -> parseBootstrap(unknownType))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void restListenerOn8080TranscodesThenRoutes() throws IOException {
    Listener listener = listener("payflow_rest");
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);

    HttpConnectionManager hcm = hcm(listener);
    assertThat(hcm.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.grpc_json_transcoder", "envoy.filters.http.router");
    assertThat(hcm.getHttpFilters(1).getTypedConfig().is(Router.class)).isTrue();

    List<Route> routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();
    assertThat(routes).hasSize(2);
    // First the OpenAPI document, served by Envoy itself from the mounted file ...
    assertThat(routes.get(0).getMatch().getPath()).isEqualTo("/api/v1/openapi.json");
    assertThat(routes.get(0).getDirectResponse().getStatus()).isEqualTo(200);
    assertThat(routes.get(0).getDirectResponse().getBody().getFilename()).isEqualTo("/etc/envoy/payflow-openapi.json");
    assertThat(hcm.getRouteConfig().getMaxDirectResponseBodySizeBytes().getValue()).isGreaterThanOrEqualTo(512 * 1024);
    // ... then the public API, and only it, to core-service.
    assertThat(routes.get(1).getRoute().getCluster()).isEqualTo("core-service");
    assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/api/v1/");
    assertThat(routes.get(1).getRoute().getTimeout().getSeconds()).isPositive();
  }

  @Test
  void thePublicEdgeForwardsThePublicApiButNeverTheAdminListenersPaths() throws IOException {
    // The admin API, the console and its CSRF token live on core-service's admin listener
    // (PAYFLOW_ADMIN_PORT), behind a ClusterIP Service: this LoadBalancer-facing listener must not
    // forward them. The paths are the ones rest-facade's RestApi.ADMIN_PATHS mounts there.
    HttpConnectionManager hcm = hcm(listener("payflow_rest"));
    assertThat(hcm.getNormalizePath().getValue()).as("/api/v1/../admin is /api/admin before routing").isTrue();
    assertThat(hcm.getMergeSlashes()).isTrue();
    assertThat(hcm.getPathWithEscapedSlashesAction())
        .as("an encoded slash could read as /api/v1/... to the router and otherwise to the transcoder")
        .isEqualTo(HttpConnectionManager.PathWithEscapedSlashesAction.REJECT_REQUEST);
    List<Route> routes = hcm.getRouteConfig().getVirtualHostsList().stream()
        .filter(v -> v.getDomainsList().contains("*"))
        .findFirst().orElseThrow().getRoutesList();
    for (String adminPath : List.of("/api/admin/partners", "/api/admin/session", "/api/admin/", "/api/csrf-token",
        "/admin", "/admin/", "/admin/docs/", "/API/admin/partners")) {
      assertThat(forwarded(routes, adminPath)).as("%s reaches core-service through the public edge", adminPath).isFalse();
    }
    for (String publicPath : List.of("/api/v1/wallets", "/api/v1/webhooks/stripe", "/api/v1/api-keys/self/roll")) {
      assertThat(forwarded(routes, publicPath)).as("%s reaches core-service", publicPath).isTrue();
    }
  }

  /**
   * Whether Envoy's first matching route for this path (prefix, path or regex match, in order,
   * as Envoy picks them) sends it to a cluster rather than answering it itself.
   */
  private static boolean forwarded(List<Route> routes, String path) {
    for (Route route : routes) {
      var match = route.getMatch();
      boolean caseSensitive = !match.hasCaseSensitive() || match.getCaseSensitive().getValue();
      String candidate = caseSensitive ? path : path.toLowerCase(java.util.Locale.ROOT);
      boolean matches = switch (match.getPathSpecifierCase()) {
        case PREFIX -> candidate.startsWith(caseSensitive ? match.getPrefix() : match.getPrefix().toLowerCase(java.util.Locale.ROOT));
        case PATH -> candidate.equals(caseSensitive ? match.getPath() : match.getPath().toLowerCase(java.util.Locale.ROOT));
        case SAFE_REGEX -> path.matches(match.getSafeRegex().getRegex());
        default -> throw new AssertionError("route match not understood by this test: " + match);
      };
      if (matches) {
        return route.hasRoute();
      }
    }
    return false; // no route: Envoy's 404
  }

  @Test
  void transcoderPrintsTheContractsJson() throws IOException {
    GrpcJsonTranscoder transcoder = transcoder();
    assertThat(transcoder.getProtoDescriptor()).isEqualTo("/etc/envoy/payflow.pb");

    GrpcJsonTranscoder.PrintOptions print = transcoder.getPrintOptions();
    assertThat(print.getAlwaysPrintPrimitiveFields()).as("every field, also false/0/empty").isTrue();
    assertThat(print.getPreserveProtoFieldNames()).as("lowerCamelCase names").isFalse();
    assertThat(print.getAlwaysPrintEnumsAsInts()).as("enums as their names").isFalse();

    assertThat(transcoder.getConvertGrpcStatus()).as("errors as google.rpc.Status JSON").isTrue();
    assertThat(transcoder.getMatchIncomingRequestRoute()).isTrue();
    assertThat(transcoder.getIgnoreUnknownQueryParameters()).isTrue();
    assertThat(transcoder.getAutoMapping()).isFalse();
  }

  @Test
  void callersRequestIdIsKeptAndReturned() throws IOException {
    HttpConnectionManager hcm = hcm(listener("payflow_rest"));
    assertThat(hcm.getPreserveExternalRequestId()).isTrue();
    assertThat(hcm.getAlwaysSetRequestIdInResponse()).isTrue();
    UuidRequestIdConfig uuid =
        hcm.getRequestIdExtension().getTypedConfig().unpack(UuidRequestIdConfig.class);
    assertThat(uuid.hasPackTraceReason()).isTrue();
    assertThat(uuid.getPackTraceReason().getValue())
        .as("Envoy must not rewrite a UUID-shaped x-request-id")
        .isFalse();
  }

  @Test
  void adminInterfaceListensOnLoopbackOnly() {
    SocketAddress admin = bootstrap.getAdmin().getAddress().getSocketAddress();
    assertThat(admin.getAddress()).isIn("127.0.0.1", "::1");
  }

  // --- core-service upstream ------------------------------------------------------------------

  @Test
  void coreServiceClusterIsGrpcOverHttp2On9090WithGrpcHealthChecks() throws IOException {
    Cluster cluster = bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals("core-service"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no cluster core-service"));

    List<SocketAddress> endpoints = cluster.getLoadAssignment().getEndpointsList().stream()
        .flatMap(e -> e.getLbEndpointsList().stream())
        .map(e -> e.getEndpoint().getAddress().getSocketAddress())
        .toList();
    assertThat(endpoints).isNotEmpty();
    assertThat(endpoints)
        .allSatisfy(a -> assertThat(a.getPortValue()).isEqualTo(CORE_SERVICE_GRPC_PORT));

    Any options = cluster.getTypedExtensionProtocolOptionsOrThrow(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    HttpProtocolOptions http = options.unpack(HttpProtocolOptions.class);
    assertThat(http.getExplicitHttpConfig().hasHttp2ProtocolOptions()).as("gRPC needs HTTP/2").isTrue();

    assertThat(cluster.getHealthChecksList()).isNotEmpty();
    assertThat(cluster.getHealthChecksList())
        .allSatisfy(h -> assertThat(h.getHealthCheckerCase())
            .isEqualTo(HealthCheck.HealthCheckerCase.GRPC_HEALTH_CHECK));
    assertThat(cluster.getConnectTimeout().getSeconds()).isPositive();
  }

  // --- Envoy vs. the contract's descriptor set -----------------------------------------------

  @Test
  void transcoderListsExactlyThePayflowServicesOfTheDescriptorSet() throws IOException {
    Set<String> listed = new TreeSet<>(transcoder().getServicesList());
    Set<String> inDescriptorSet = services().keySet();
    Set<String> payflowServices = inDescriptorSet.stream()
        .filter(s -> s.startsWith(PAYFLOW_PACKAGE + "."))
        .collect(Collectors.toCollection(TreeSet::new));

    assertThat(payflowServices).as("payflow services in %s", DESCRIPTOR_SET).isNotEmpty();
    assertThat(inDescriptorSet)
        .as("services in envoy.yaml that the descriptor set does not define (Envoy would not start)")
        .containsAll(listed);
    assertThat(listed)
        .as("payflow services missing from the transcoder's `services` in envoy.yaml")
        .containsAll(payflowServices);
  }

  @Test
  void everyTranscodedMethodHasAnHttpRule() throws IOException {
    // auto_mapping is off, so a method without a google.api.http rule is unreachable over REST.
    Map<String, ServiceDescriptorProto> services = services();
    List<String> withoutRule = new ArrayList<>();
    for (String name : transcoder().getServicesList()) {
      if (!services.containsKey(name)) {
        continue; // reported by transcoderListsExactlyThePayflowServicesOfTheDescriptorSet
      }
      for (MethodDescriptorProto method : services.get(name).getMethodList()) {
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        if (rule.getPatternCase() == HttpRule.PatternCase.PATTERN_NOT_SET) {
          withoutRule.add(name + "/" + method.getName());
        }
      }
    }
    assertThat(withoutRule).as("methods without a google.api.http rule").isEmpty();
  }

  @Test
  void stripeWebhookReachesTheServiceAsRawHttpBody() {
    MethodDescriptorProto method = services().get(PAYFLOW_PACKAGE + ".StripeWebhookService")
        .getMethodList().stream()
        .filter(m -> m.getName().equals("HandleStripeEvent"))
        .findFirst()
        .orElseThrow();
    // Envoy hands the body through byte for byte only when the request type is HttpBody itself.
    assertThat(method.getInputType()).isEqualTo(".google.api.HttpBody");
    HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
    assertThat(rule.getPost()).isEqualTo("/api/v1/webhooks/stripe");
    assertThat(rule.getBody()).isEqualTo("*");
  }

  @Test
  void descriptorSetHasTheErrorTypesConvertGrpcStatusPrints() {
    // convert_grpc_status turns grpc-status-details-bin into JSON. Envoy can only do that when
    // google.rpc.Status and every detail type core-service sends are in the descriptor set;
    // otherwise the partner gets the HTTP status with no Status body. errors.proto's ErrorBody
    // references them so that they are.
    Set<String> messages = new TreeSet<>();
    for (FileDescriptorProto file : descriptorSet.getFileList()) {
      file.getMessageTypeList().forEach(m -> messages.add(file.getPackage() + "." + m.getName()));
    }
    List<String> needed = List.of(
        "google.rpc.Status", "google.rpc.ErrorInfo", "google.rpc.RequestInfo", "google.rpc.RetryInfo");
    assertThat(messages)
        .as("%s must hold the error body's types (payflow.v1.ErrorBody references them), or Envoy cannot render error bodies",
            DESCRIPTOR_SET)
        .containsAll(needed);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static JsonNode readYaml(String resource) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    try (InputStream in = resource(resource)) {
      return yaml.readTree(in);
    }
  }

  private static Bootstrap parseBootstrap(JsonNode tree) throws InvalidProtocolBufferException {
    Bootstrap.Builder builder = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(TYPES).merge(tree.toString(), builder);
    return builder.build();
  }

  private static InputStream resource(String name) {
    InputStream in = EnvoyConfigTest.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(name + " is not on the test classpath (build the proto module first: "
          + "mvn -pl proto,envoy -am install)");
    }
    return in;
  }

  private static Listener listener(String name) {
    return bootstrap.getStaticResources().getListenersList().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no listener " + name));
  }

  private static HttpConnectionManager hcm(Listener listener) throws IOException {
    return unpack(listener.getFilterChains(0).getFilters(0).getTypedConfig(), HttpConnectionManager.class);
  }

  private static GrpcJsonTranscoder transcoder() throws IOException {
    HttpFilter filter = hcm(listener("payflow_rest")).getHttpFiltersList().stream()
        .filter(f -> f.getName().equals("envoy.filters.http.grpc_json_transcoder"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no grpc_json_transcoder filter"));
    return unpack(filter.getTypedConfig(), GrpcJsonTranscoder.class);
  }

  private static <T extends Message> T unpack(Any any, Class<T> type) throws IOException {
    assertThat(any.is(type)).as("%s is a %s", any.getTypeUrl(), type.getSimpleName()).isTrue();
    return any.unpack(type);
  }

  /** Fully qualified service name → service, for every file in the descriptor set. */
  private static Map<String, ServiceDescriptorProto> services() {
    return descriptorSet.getFileList().stream()
        .flatMap(f -> f.getServiceList().stream()
            .map(s -> Map.entry(f.getPackage() + "." + s.getName(), s)))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }
}
