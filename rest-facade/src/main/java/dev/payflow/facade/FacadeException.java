package dev.payflow.facade;

import io.grpc.Status;
import java.util.Objects;

/**
 * An error the facade answers by itself, before or instead of calling the core: a request it cannot
 * transcode, a path no method serves, a core it cannot reach. It becomes the same {@code
 * google.rpc.Status} body as the core's own errors, with an ErrorInfo reason from {@code
 * payflow.v1.ErrorReason}.
 */
final class FacadeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The body is not JSON, a field has the wrong JSON type, or a query value does not parse. */
  static final String MALFORMED_REQUEST = "MALFORMED_REQUEST";

  /** A value of the right JSON type that the field does not accept (an unknown enum word). */
  static final String INVALID_FIELD = "INVALID_FIELD";

  /** No API method has this HTTP path, or not with this HTTP method. */
  static final String ROUTE_NOT_FOUND = "ROUTE_NOT_FOUND";

  /** The core cannot be reached, or the facade is shutting down: safe to retry. */
  static final String SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";

  /** A bug in the facade. */
  static final String INTERNAL_ERROR = "INTERNAL_ERROR";

  private final Status.Code code;
  private final int httpStatus;
  private final String reason;

  private FacadeException(Status.Code code, int httpStatus, String reason, String message) {
    // No stack trace: these are answers to bad requests, not bugs, and are never logged with one.
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.code = Objects.requireNonNull(code, "code");
    this.httpStatus = httpStatus;
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  static FacadeException malformed(String message) {
    return new FacadeException(Status.Code.INVALID_ARGUMENT, 400, MALFORMED_REQUEST, message);
  }

  static FacadeException invalidField(String message) {
    return new FacadeException(Status.Code.INVALID_ARGUMENT, 400, INVALID_FIELD, message);
  }

  static FacadeException routeNotFound(String message) {
    return new FacadeException(Status.Code.NOT_FOUND, 404, ROUTE_NOT_FOUND, message);
  }

  /** 405 keeps gRPC's NOT_FOUND: to a gRPC client the method simply does not exist. */
  static FacadeException methodNotAllowed(String message) {
    return new FacadeException(Status.Code.NOT_FOUND, 405, ROUTE_NOT_FOUND, message);
  }

  static FacadeException unavailable(String message) {
    return new FacadeException(Status.Code.UNAVAILABLE, 503, SERVICE_UNAVAILABLE, message);
  }

  static FacadeException internal(String message) {
    return new FacadeException(Status.Code.INTERNAL, 500, INTERNAL_ERROR, message);
  }

  Status.Code code() {
    return code;
  }

  int httpStatus() {
    return httpStatus;
  }

  String reason() {
    return reason;
  }
}
