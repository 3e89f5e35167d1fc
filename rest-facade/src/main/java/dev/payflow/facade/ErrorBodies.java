package dev.payflow.facade;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Help;
import com.google.rpc.LocalizedMessage;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RequestInfo;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error bodies: a {@code google.rpc.Status} as JSON, the same for the core's errors (passed on
 * unchanged) and the facade's own, and the HTTP status of a gRPC code.
 */
final class ErrorBodies {

  private static final Logger log = LoggerFactory.getLogger(ErrorBodies.class);

  static final String DOMAIN = "payflow";

  /**
   * The error detail types passed on to callers. {@code google.rpc.DebugInfo} is left out on
   * purpose: it exists to carry stack traces, which never leave PayFlow (docs/design-rules.md, "The contract partners see").
   */
  private static final List<Descriptor> PRINTED_DETAILS =
      List.of(
          ErrorInfo.getDescriptor(),
          RequestInfo.getDescriptor(),
          RetryInfo.getDescriptor(),
          BadRequest.getDescriptor(),
          PreconditionFailure.getDescriptor(),
          QuotaFailure.getDescriptor(),
          ResourceInfo.getDescriptor(),
          Help.getDescriptor(),
          LocalizedMessage.getDescriptor());

  private static final Set<String> PRINTED_DETAIL_TYPES =
      PRINTED_DETAILS.stream().map(Descriptor::getFullName).collect(Collectors.toUnmodifiableSet());

  /**
   * Resolves the {@code @type} of details for printing. A registry knows whole files, so it also
   * knows DebugInfo: the filter is {@link #PRINTED_DETAIL_TYPES}, not this.
   */
  static final JsonFormat.TypeRegistry DETAIL_TYPES =
      JsonFormat.TypeRegistry.newBuilder().add(PRINTED_DETAILS).build();

  /** Every field printed, also empty ones, for a stable shape (docs/design-rules.md, "The contract partners see"). */
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().usingTypeRegistry(DETAIL_TYPES).alwaysPrintFieldsWithNoPresence();

  private ErrorBodies() {}

  /**
   * The standard gRPC to HTTP mapping (google/rpc/code.proto, as Envoy and grpc-gateway use it).
   */
  static int httpStatus(Status.Code code) {
    Objects.requireNonNull(code, "code");
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case CANCELLED -> 499;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }

  /** The body of an error the facade makes itself: ErrorInfo plus RequestInfo. */
  static com.google.rpc.Status facadeError(FacadeException error, String requestId) {
    return com.google.rpc.Status.newBuilder()
        .setCode(error.code().value())
        .setMessage(error.getMessage())
        .addDetails(
            Any.pack(
                ErrorInfo.newBuilder()
                    .setReason(error.reason())
                    .setDomain(DOMAIN)
                    .putMetadata("requestId", requestId)
                    .build()))
        .addDetails(Any.pack(RequestInfo.newBuilder().setRequestId(requestId).build()))
        .build();
  }

  /**
   * The body for a failed call: the core's full Status from {@code grpc-status-details-bin},
   * unchanged. A call that failed without one never reached PayFlow's error interceptor (the core
   * is down, or the transport broke): UNAVAILABLE becomes the facade's SERVICE_UNAVAILABLE,
   * anything else keeps its code and description and gets the request id.
   */
  static com.google.rpc.Status fromCall(Status status, Metadata trailers, String requestId) {
    com.google.rpc.Status full = null;
    try {
      full = StatusProto.fromStatusAndTrailers(status, trailers);
    } catch (IllegalArgumentException e) {
      // The details' code differs from the call's: trust the call's code, drop the details.
      log.warn(
          "request {}: status details disagree with gRPC status {}", requestId, status.getCode());
    }
    if (full != null && full.getDetailsCount() > 0) {
      return full;
    }
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      // The transport's description names hosts and ports of the inside; keep it in the log.
      log.warn("request {}: core unavailable: {}", requestId, status.getDescription());
      return facadeError(
          FacadeException.unavailable("the core service is unavailable; retry later"), requestId);
    }
    String message =
        status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value())
        .setMessage(message)
        .addDetails(Any.pack(RequestInfo.newBuilder().setRequestId(requestId).build()))
        .build();
  }

  /** The Status as JSON. Details of types outside {@link #DETAIL_TYPES} are left out. */
  static String toJson(com.google.rpc.Status status) {
    com.google.rpc.Status printable = withPrintableDetails(status);
    try {
      return PRINTER.print(printable);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Status with known detail types always prints", e);
    }
  }

  private static com.google.rpc.Status withPrintableDetails(com.google.rpc.Status status) {
    if (status.getDetailsList().stream().allMatch(ErrorBodies::isPrintable)) {
      return status;
    }
    com.google.rpc.Status.Builder printable = status.toBuilder().clearDetails();
    for (Any detail : status.getDetailsList()) {
      if (isPrintable(detail)) {
        printable.addDetails(detail);
      } else {
        log.warn("error detail of type {} left out of a REST error body", detail.getTypeUrl());
      }
    }
    return printable.build();
  }

  private static boolean isPrintable(Any detail) {
    String typeUrl = detail.getTypeUrl();
    return PRINTED_DETAIL_TYPES.contains(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
  }
}
