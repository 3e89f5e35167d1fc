package dev.payflow.facade;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * All REST routes, derived from the {@code google.api.http} options of the services' methods, and
 * the matching of a request path against them.
 *
 * <p>Matching walks a tree of segments and prefers, at every segment, a literal over a variable, so
 * {@code /api/v1/wallets/external/{external_id}} wins over {@code /api/v1/wallets/{id}} and its
 * sub-paths, as in Envoy's transcoder. Among routes that match the path, the most literal one that
 * serves the HTTP method is taken; if none serves it the answer is 405.
 */
final class RouteTable {

  /** The outcome of matching one request. */
  sealed interface Match permits Found, MethodNotAllowed, NotFound {}

  /** {@code pathValues} are the decoded segments of the path variables, by binding order. */
  record Found(HttpRoute route, List<String> pathValues) implements Match {}

  record MethodNotAllowed(SortedSet<String> allowedMethods) implements Match {}

  record NotFound() implements Match {}

  /** A node of the segment tree; {@code routes} are the routes that end here, by HTTP method. */
  private static final class Node {
    final Map<String, Node> literals = new HashMap<>();
    Node variable;
    final Map<String, HttpRoute> routes = new TreeMap<>();
  }

  private final Node root = new Node();
  private final List<HttpRoute> routes;

  private RouteTable(List<HttpRoute> routes) {
    this.routes = List.copyOf(routes);
    for (HttpRoute route : routes) {
      Node node = root;
      for (PathTemplate.Segment segment : route.template().segments()) {
        if (segment instanceof PathTemplate.Literal literal) {
          node = node.literals.computeIfAbsent(literal.text(), text -> new Node());
        } else {
          if (node.variable == null) {
            node.variable = new Node();
          }
          node = node.variable;
        }
      }
      HttpRoute previous = node.routes.putIfAbsent(route.httpMethod(), route);
      if (previous != null) {
        throw new IllegalArgumentException(
            "two methods claim the same REST route: " + previous + " and " + route);
      }
    }
  }

  /** A table of exactly these routes; for tests of matching. */
  static RouteTable of(List<HttpRoute> routes) {
    return new RouteTable(Objects.requireNonNull(routes, "routes"));
  }

  /**
   * Derives the routes of every unary method with a {@code google.api.http} option. Methods without
   * one are gRPC-only and get no route.
   *
   * @param services protoc-generated service descriptors ({@code XxxGrpc.getServiceDescriptor()})
   * @throws IllegalArgumentException for a rule the facade cannot serve, naming it
   */
  static RouteTable fromServices(List<ServiceDescriptor> services) {
    Objects.requireNonNull(services, "services");
    List<HttpRoute> routes = new ArrayList<>();
    for (ServiceDescriptor service : services) {
      if (!(service.getSchemaDescriptor() instanceof ProtoServiceDescriptorSupplier supplier)) {
        throw new IllegalArgumentException(
            "service "
                + service.getName()
                + " has no protobuf schema (expected: the descriptor of a"
                + " protoc-generated *Grpc class)");
      }
      Descriptors.ServiceDescriptor schema = supplier.getServiceDescriptor();
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        Descriptors.MethodDescriptor methodSchema =
            schema.findMethodByName(method.getBareMethodName());
        if (methodSchema == null
            || !methodSchema.getOptions().hasExtension(AnnotationsProto.http)) {
          continue;
        }
        HttpRule rule = methodSchema.getOptions().getExtension(AnnotationsProto.http);
        routes.add(routeOf(rule, method));
        for (HttpRule binding : rule.getAdditionalBindingsList()) {
          if (binding.getAdditionalBindingsCount() > 0) {
            throw new IllegalArgumentException(
                method.getFullMethodName() + ": additional_bindings must not nest (http.proto)");
          }
          routes.add(routeOf(binding, method));
        }
      }
    }
    return new RouteTable(routes);
  }

  private static HttpRoute routeOf(HttpRule rule, MethodDescriptor<?, ?> method) {
    if (!rule.getResponseBody().isEmpty()) {
      throw new IllegalArgumentException(
          method.getFullMethodName()
              + ": response_body \""
              + rule.getResponseBody()
              + "\" is not supported (expected: none, the whole response message)");
    }
    return switch (rule.getPatternCase()) {
      case GET -> HttpRoute.create("GET", rule.getGet(), rule.getBody(), method);
      case PUT -> HttpRoute.create("PUT", rule.getPut(), rule.getBody(), method);
      case POST -> HttpRoute.create("POST", rule.getPost(), rule.getBody(), method);
      case DELETE -> HttpRoute.create("DELETE", rule.getDelete(), rule.getBody(), method);
      case PATCH -> HttpRoute.create("PATCH", rule.getPatch(), rule.getBody(), method);
      case CUSTOM, PATTERN_NOT_SET ->
          throw new IllegalArgumentException(
              method.getFullMethodName()
                  + ": http rule pattern "
                  + rule.getPatternCase()
                  + " is not supported (expected: get, put, post, delete or patch)");
    };
  }

  List<HttpRoute> routes() {
    return routes;
  }

  /**
   * Finds the route for a request.
   *
   * @param httpMethod the request's method, as sent
   * @param segments the path's segments, already percent-decoded
   */
  Match match(String httpMethod, List<String> segments) {
    Objects.requireNonNull(httpMethod, "httpMethod");
    Objects.requireNonNull(segments, "segments");
    List<Node> ends = new ArrayList<>();
    collectEnds(root, segments, 0, ends);
    // `ends` is in preference order: the walk tries the literal child before the variable one.
    for (Node end : ends) {
      HttpRoute route = end.routes.get(httpMethod);
      if (route != null) {
        return new Found(route, variableValues(route, segments));
      }
    }
    if (ends.isEmpty()) {
      return new NotFound();
    }
    SortedSet<String> allowed = new TreeSet<>();
    ends.forEach(end -> allowed.addAll(end.routes.keySet()));
    return new MethodNotAllowed(allowed);
  }

  private static void collectEnds(Node node, List<String> segments, int index, List<Node> ends) {
    if (index == segments.size()) {
      if (!node.routes.isEmpty()) {
        ends.add(node);
      }
      return;
    }
    String segment = segments.get(index);
    Node literal = node.literals.get(segment);
    if (literal != null) {
      collectEnds(literal, segments, index + 1, ends);
    }
    // An empty segment (a doubled or trailing slash) binds no variable: ids are never empty.
    if (node.variable != null && !segment.isEmpty()) {
      collectEnds(node.variable, segments, index + 1, ends);
    }
  }

  private static List<String> variableValues(HttpRoute route, List<String> segments) {
    List<String> values = new ArrayList<>(route.pathBindings().size());
    for (HttpRoute.PathBinding binding : route.pathBindings()) {
      values.add(segments.get(binding.segmentIndex()));
    }
    return values;
  }
}
