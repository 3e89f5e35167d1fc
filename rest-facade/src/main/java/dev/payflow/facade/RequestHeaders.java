package dev.payflow.facade;

import com.sun.net.httpserver.Headers;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * HTTP request headers to gRPC metadata: everything the caller sent, lowercased, except what
 * belongs to one HTTP hop or to the gRPC transport. The core's interceptors read {@code
 * authorization}, {@code idempotency-key}, {@code stripe-signature} and {@code x-request-id} from
 * there, exactly as they would from a gRPC client.
 */
final class RequestHeaders {

  static final String REQUEST_ID = "x-request-id";

  /**
   * Hop-by-hop headers (RFC 9110 section 7.6.1) and headers the gRPC transport sets itself. {@code
   * content-type} is gRPC's own ({@code application/grpc}); the HTTP one reaches a webhook as
   * {@code HttpBody.content_type} instead.
   */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "host",
          "connection",
          "content-length",
          "transfer-encoding",
          "te",
          "keep-alive",
          "upgrade",
          "expect",
          "proxy-connection",
          "trailer",
          "content-type",
          REQUEST_ID);

  /** What gRPC accepts as a metadata key; other header names are dropped. */
  private static final Pattern METADATA_KEY = Pattern.compile("[a-z0-9_.-]+");

  /**
   * Most metadata bytes sent with one call: 8 KiB, the default limit of grpc-java's Netty server
   * ({@code maxInboundMetadataSize}). A larger set would be refused by the core with a transport
   * error; refusing it here gives the caller a clear 400 instead.
   */
  static final int METADATA_BYTES_MAX = 8 * 1024;

  /** gRPC counts 32 bytes per entry on top of key and value (as HTTP/2 HPACK does). */
  private static final int ENTRY_OVERHEAD_BYTES = 32;

  private RequestHeaders() {}

  /**
   * The metadata for a call: the forwarded headers and {@code x-request-id: requestId}.
   *
   * @throws FacadeException MALFORMED_REQUEST when the headers exceed {@link #METADATA_BYTES_MAX}
   */
  static Metadata toMetadata(Headers headers, String requestId) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(requestId, "requestId");
    Set<String> namedByConnection = connectionOptions(headers.get("Connection"));
    Metadata metadata = new Metadata();
    int bytes = 0;
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (!isForwarded(name) || namedByConnection.contains(name)) {
        continue;
      }
      Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
      for (String value : header.getValue()) {
        if (!isPrintableAscii(value)) {
          continue; // gRPC ASCII metadata cannot carry it; no PayFlow header needs it.
        }
        bytes +=
            name.length() + value.getBytes(StandardCharsets.US_ASCII).length + ENTRY_OVERHEAD_BYTES;
        metadata.put(key, value);
      }
    }
    if (bytes > METADATA_BYTES_MAX) {
      throw FacadeException.malformed(
          "request headers: " + bytes + " bytes (expected: at most " + METADATA_BYTES_MAX + ")");
    }
    metadata.put(Metadata.Key.of(REQUEST_ID, Metadata.ASCII_STRING_MARSHALLER), requestId);
    return metadata;
  }

  /**
   * The headers the Connection header names are hop-by-hop too (RFC 9110 section 7.6.1), e.g.
   * {@code HTTP2-Settings} of an h2c upgrade attempt.
   */
  private static Set<String> connectionOptions(List<String> connectionHeaders) {
    if (connectionHeaders == null) {
      return Set.of();
    }
    Set<String> names = new HashSet<>();
    for (String value : connectionHeaders) {
      for (String token : value.split(",")) {
        names.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  private static boolean isForwarded(String name) {
    return !NOT_FORWARDED.contains(name)
        && !name.startsWith("grpc-")
        && !name.startsWith(":")
        // Binary metadata (-bin) would be base64-decoded by gRPC: not something a REST caller
        // sends.
        && !name.endsWith("-bin")
        && METADATA_KEY.matcher(name).matches();
  }

  private static boolean isPrintableAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
