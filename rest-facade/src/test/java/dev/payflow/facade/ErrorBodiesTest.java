package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.rpc.DebugInfo;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorBodiesTest {

  @ParameterizedTest(name = "{0} is HTTP {1}")
  @CsvSource({
    "OK, 200",
    "CANCELLED, 499",
    "UNKNOWN, 500",
    "INVALID_ARGUMENT, 400",
    "DEADLINE_EXCEEDED, 504",
    "NOT_FOUND, 404",
    "ALREADY_EXISTS, 409",
    "PERMISSION_DENIED, 403",
    "RESOURCE_EXHAUSTED, 429",
    "FAILED_PRECONDITION, 400",
    "ABORTED, 409",
    "OUT_OF_RANGE, 400",
    "UNIMPLEMENTED, 501",
    "INTERNAL, 500",
    "UNAVAILABLE, 503",
    "DATA_LOSS, 500",
    "UNAUTHENTICATED, 401"
  })
  void grpcCodeMapsToTheStandardHttpStatus(Status.Code code, int httpStatus) {
    assertThat(ErrorBodies.httpStatus(code)).isEqualTo(httpStatus);
  }

  @Test
  void theMappingTableAboveCoversEveryGrpcCode() {
    assertThat(EnumSet.allOf(Status.Code.class)).hasSize(17);
  }

  @Test
  void coreStatusWithDetailsPassesThroughUnchangedWithTypedDetails() {
    com.google.rpc.Status sent =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
            .setMessage("slow down")
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder().setReason("RATE_LIMITED").setDomain("payflow").build()))
            .addDetails(
                Any.pack(
                    RetryInfo.newBuilder()
                        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                        .build()))
            .build();
    Metadata trailers = StatusProto.toStatusRuntimeException(sent).getTrailers();

    com.google.rpc.Status body =
        ErrorBodies.fromCall(
            Status.RESOURCE_EXHAUSTED.withDescription("slow down"), trailers, "req_1");

    assertThat(body).isEqualTo(sent);
    JsonObject json = JsonParser.parseString(ErrorBodies.toJson(body)).getAsJsonObject();
    assertThat(
            json.getAsJsonArray("details").get(1).getAsJsonObject().get("retryDelay").getAsString())
        .isEqualTo("2s");
  }

  @Test
  void debugInfoWithAStackTraceNeverReachesTheCaller() {
    com.google.rpc.Status withStack =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.INTERNAL.value())
            .setMessage("boom")
            .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("INTERNAL_ERROR").build()))
            .addDetails(
                Any.pack(DebugInfo.newBuilder().addStackEntries("at dev.payflow.Secret").build()))
            .build();

    String json = ErrorBodies.toJson(withStack);

    assertThat(json).contains("INTERNAL_ERROR").doesNotContain("dev.payflow.Secret", "DebugInfo");
  }

  @Test
  void unreachableCoreBecomesServiceUnavailableWithoutTransportDetails() {
    com.google.rpc.Status body =
        ErrorBodies.fromCall(
            Status.UNAVAILABLE.withDescription("io exception: core.internal:9090 refused"),
            new Metadata(),
            "req_2");

    assertThat(body.getCode()).isEqualTo(Status.Code.UNAVAILABLE.value());
    assertThat(body.getMessage()).doesNotContain("core.internal");
    assertThat(ErrorBodies.toJson(body))
        .contains("\"reason\": \"SERVICE_UNAVAILABLE\"", "\"requestId\": \"req_2\"");
  }
}
