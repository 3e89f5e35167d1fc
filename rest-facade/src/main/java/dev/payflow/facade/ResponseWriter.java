package dev.payflow.facade;

import com.google.api.HttpBody;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.grpc.Metadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SortedSet;

/** Writes HTTP responses: a response message or an error Status, as JSON, with its headers. */
final class ResponseWriter {

  private static final String JSON = "application/json";

  /**
   * Response metadata never copied to HTTP: gRPC's own, and what the HTTP server or this writer
   * sets (the facade's {@code x-request-id} is the one the caller gets).
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
          RequestHeaders.REQUEST_ID);

  /**
   * Every field printed, also false, zero and empty ones, with lowerCamelCase names: partners' code
   * expects a stable shape (DESIGN.md section 2; Envoy's always_print_primitive_fields).
   */
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer()
          .usingTypeRegistry(ErrorBodies.DETAIL_TYPES)
          .alwaysPrintFieldsWithNoPresence();

  private ResponseWriter() {}

  /** 200 with the response message (google.protobuf.Empty prints {@code {}}). */
  static void writeMessage(HttpExchange exchange, UnaryCaller.Result result, String requestId)
      throws IOException {
    copyMetadata(result.headers(), exchange.getResponseHeaders());
    copyMetadata(result.trailers(), exchange.getResponseHeaders());
    Message response = result.response();
    if (response instanceof HttpBody body) {
      // An HttpBody response is the raw body, as the http.proto rules define it.
      write(exchange, 200, body.getContentType(), body.getData().toByteArray(), requestId, false);
      return;
    }
    String json;
    try {
      json = JsonNumbers.integralNumbersAsIntegers(PRINTER.print(response));
    } catch (InvalidProtocolBufferException e) {
      // Only an Any of an unregistered type gets here; no PayFlow response holds one.
      throw new IllegalStateException(
          "cannot print " + response.getDescriptorForType().getFullName(), e);
    }
    write(exchange, 200, JSON, json.getBytes(StandardCharsets.UTF_8), requestId, false);
  }

  /** A failed call: the core's Status (or the facade's stand-in) with the mapped HTTP status. */
  static void writeCallError(HttpExchange exchange, UnaryCaller.Result result, String requestId)
      throws IOException {
    copyMetadata(result.headers(), exchange.getResponseHeaders());
    copyMetadata(result.trailers(), exchange.getResponseHeaders());
    com.google.rpc.Status status =
        ErrorBodies.fromCall(result.status(), result.trailers(), requestId);
    int httpStatus =
        ErrorBodies.httpStatus(io.grpc.Status.fromCodeValue(status.getCode()).getCode());
    write(
        exchange,
        httpStatus,
        JSON,
        ErrorBodies.toJson(status).getBytes(StandardCharsets.UTF_8),
        requestId,
        false);
  }

  /**
   * An error the facade made itself.
   *
   * @param allowedMethods for a 405, the methods the path does serve (the {@code Allow} header)
   * @param closeConnection whether to ask the client to close the connection (body left unread)
   */
  static void writeFacadeError(
      HttpExchange exchange,
      FacadeException error,
      String requestId,
      SortedSet<String> allowedMethods,
      boolean closeConnection)
      throws IOException {
    if (allowedMethods != null) {
      exchange.getResponseHeaders().set("Allow", String.join(", ", allowedMethods));
    }
    String json = ErrorBodies.toJson(ErrorBodies.facadeError(error, requestId));
    write(
        exchange,
        error.httpStatus(),
        JSON,
        json.getBytes(StandardCharsets.UTF_8),
        requestId,
        closeConnection);
  }

  private static void write(
      HttpExchange exchange,
      int httpStatus,
      String contentType,
      byte[] body,
      String requestId,
      boolean closeConnection)
      throws IOException {
    Headers headers = exchange.getResponseHeaders();
    if (!contentType.isEmpty()) {
      headers.set("Content-Type", contentType);
    }
    headers.set(RequestHeaders.REQUEST_ID, requestId);
    if (closeConnection) {
      // The JDK server then closes the connection after the response instead of draining a
      // body it has no use for.
      headers.set("Connection", "close");
    }
    // -1 means "no body"; 0 would mean chunked.
    exchange.sendResponseHeaders(httpStatus, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * Copies ASCII metadata to HTTP headers, leaving out gRPC's own and binary ({@code -bin}) keys.
   */
  private static void copyMetadata(Metadata metadata, Headers headers) {
    for (String name : metadata.keys()) {
      if (name.startsWith("grpc-")
          || name.endsWith(Metadata.BINARY_HEADER_SUFFIX)
          || NOT_COPIED.contains(name)) {
        continue;
      }
      Iterable<String> values =
          metadata.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
      if (values != null) {
        values.forEach(value -> headers.add(name, value));
      }
    }
  }
}
