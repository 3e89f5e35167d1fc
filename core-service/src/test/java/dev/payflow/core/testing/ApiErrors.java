package dev.payflow.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on PayFlow errors: the gRPC code (or HTTP status) and the ErrorInfo reason, over both doors. */
public final class ApiErrors {
    private ApiErrors() {
    }

    /** Runs the call, asserts it fails with this code and reason, and returns the full google.rpc.Status. */
    public static com.google.rpc.Status assertGrpcError(ThrowingCallable call, Status.Code code, String reason) {
        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, call);
        assertThat(failure).as("expected the call to fail with %s %s", code, reason).isNotNull();
        assertThat(failure.getStatus().getCode()).as("gRPC code").isEqualTo(code);
        com.google.rpc.Status status = StatusProto.fromThrowable(failure);
        assertThat(status).as("google.rpc.Status details").isNotNull();
        assertThat(errorInfo(status).getReason()).as("ErrorInfo reason").isEqualTo(reason);
        assertThat(errorInfo(status).getDomain()).isEqualTo("payflow");
        assertThat(errorInfo(status).getMetadataMap()).containsKey("requestId");
        return status;
    }

    public static ErrorInfo errorInfo(com.google.rpc.Status status) {
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return detail.unpack(ErrorInfo.class);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no ErrorInfo in " + status);
    }

    /** Asserts an HTTP error response: status, body code, ErrorInfo reason, and the request id in header and body. */
    public static void assertRestError(TestServer.Rest response, int httpStatus, String reason) {
        assertThat(response.status()).as("HTTP status of %s", response.body()).isEqualTo(httpStatus);
        JsonObject errorInfo = null;
        for (JsonElement detail : response.body().getAsJsonArray("details")) {
            if (detail.getAsJsonObject().get("@type").getAsString().endsWith("google.rpc.ErrorInfo")) {
                errorInfo = detail.getAsJsonObject();
            }
        }
        assertThat(errorInfo).as("ErrorInfo in %s", response.body()).isNotNull();
        assertThat(errorInfo.get("reason").getAsString()).isEqualTo(reason);
        String requestId = response.headers().firstValue("x-request-id").orElseThrow();
        assertThat(errorInfo.getAsJsonObject("metadata").get("requestId").getAsString()).isEqualTo(requestId);
    }
}
