package dev.payflow.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RequestInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Optional;

/**
 * A failed PayFlow call: the gRPC code, the stable {@code ErrorInfo.reason} to switch on (one of
 * {@code payflow.v1.ErrorReason}: {@code INSUFFICIENT_FUNDS}, {@code WALLET_NOT_FOUND}, ...), the
 * message for people, and the request id to quote to PayFlow's support. A failure with no
 * PayFlow error body (the network, a proxy) has an empty reason and request id.
 */
public final class PayFlowException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String reason;
  private final String requestId;
  private final transient Optional<Duration> retryDelay;

  private PayFlowException(
      Status.Code code, String reason, String message, String requestId, Optional<Duration> retryDelay,
      Throwable cause) {
    super(code + (reason.isEmpty() ? "" : " " + reason) + ": " + message
        + (requestId.isEmpty() ? "" : " (request " + requestId + ")"), cause);
    this.code = code;
    this.reason = reason;
    this.requestId = requestId;
    this.retryDelay = retryDelay;
  }

  /** Reads the {@code google.rpc.Status} details of a failed call. */
  static PayFlowException from(StatusRuntimeException failure) {
    Status status = failure.getStatus();
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    String reason = "";
    String requestId = "";
    Optional<Duration> retryDelay = Optional.empty();
    String message = status.getDescription() == null ? "" : status.getDescription();
    if (details != null) {
      message = details.getMessage();
      for (Any detail : details.getDetailsList()) {
        try {
          if (detail.is(ErrorInfo.class)) {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            reason = info.getReason();
            requestId = info.getMetadataOrDefault("requestId", requestId);
          } else if (detail.is(RequestInfo.class)) {
            String id = detail.unpack(RequestInfo.class).getRequestId();
            requestId = id.isEmpty() ? requestId : id;
          } else if (detail.is(RetryInfo.class)) {
            com.google.protobuf.Duration delay = detail.unpack(RetryInfo.class).getRetryDelay();
            retryDelay = Optional.of(Duration.ofSeconds(delay.getSeconds(), delay.getNanos()));
          }
        } catch (InvalidProtocolBufferException e) {
          // A detail we cannot read says nothing we rely on; the code and message still stand.
        }
      }
    }
    return new PayFlowException(status.getCode(), reason, message, requestId, retryDelay, failure);
  }

  /** The gRPC status code ({@code NOT_FOUND}, {@code FAILED_PRECONDITION}, ...). */
  public Status.Code code() {
    return code;
  }

  /** The {@code ErrorInfo.reason}, e.g. {@code INSUFFICIENT_FUNDS}; empty if the error had none. */
  public String reason() {
    return reason;
  }

  /** The request id of the failed call ({@code req_...}); empty if the error had none. */
  public String requestId() {
    return requestId;
  }

  /** How long the server asked the caller to wait before retrying ({@code google.rpc.RetryInfo}). */
  public Optional<Duration> retryDelay() {
    return retryDelay;
  }
}
