package dev.payflow.facade;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code google.api.http} path template restricted to what PayFlow uses: literal segments and
 * single-segment variables, {@code /api/v1/wallets/{wallet_id}/credit}.
 *
 * <p>Everything else the grammar allows ({@code *}, {@code **}, {@code {name=pattern}}, nested
 * field paths {@code {a.b}}, a {@code :verb} suffix) is refused when the template is parsed, so a
 * proto change that the facade cannot serve stops the process at start-up instead of serving a path
 * that Envoy would route differently.
 */
final class PathTemplate {

  /** Literal segments as the http.proto grammar's LITERAL, limited to URL-unreserved characters. */
  private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~-]+");

  /** A top-level proto field name. */
  private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** One segment of a template: a literal to compare, or a variable that binds a field. */
  sealed interface Segment permits Literal, Variable {}

  record Literal(String text) implements Segment {}

  record Variable(String fieldName) implements Segment {}

  private final String text;
  private final List<Segment> segments;

  private PathTemplate(String text, List<Segment> segments) {
    this.text = text;
    this.segments = List.copyOf(segments);
  }

  /**
   * Parses a template such as {@code /api/v1/wallets/{id}}.
   *
   * @throws IllegalArgumentException naming the template and what is expected, for anything outside
   *     literal segments and {@code {field}} variables
   */
  static PathTemplate parse(String template) {
    Objects.requireNonNull(template, "template");
    if (!template.startsWith("/") || template.length() < 2) {
      throw unsupported(template, "it must start with / and name at least one segment");
    }
    List<Segment> segments = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (String part : template.substring(1).split("/", -1)) {
      if (part.startsWith("{") && part.endsWith("}")) {
        String fieldName = part.substring(1, part.length() - 1);
        if (!FIELD_NAME.matcher(fieldName).matches()) {
          throw unsupported(
              template,
              "variable " + part + " is not a single top-level field (expected: {field_name})");
        }
        if (seen.contains(fieldName)) {
          throw unsupported(template, "field " + fieldName + " is bound twice");
        }
        seen.add(fieldName);
        segments.add(new Variable(fieldName));
      } else if (LITERAL.matcher(part).matches()) {
        segments.add(new Literal(part));
      } else {
        throw unsupported(
            template,
            "segment \""
                + part
                + "\" is neither a literal of [A-Za-z0-9._~-] nor a {field}"
                + " variable (wildcards and :verbs are not supported)");
      }
    }
    return new PathTemplate(template, segments);
  }

  private static IllegalArgumentException unsupported(String template, String why) {
    return new IllegalArgumentException("unsupported path template " + template + ": " + why);
  }

  List<Segment> segments() {
    return segments;
  }

  @Override
  public String toString() {
    return text;
  }
}
