package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.HttpBody;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.Timestamps;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletByExternalIdRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The facade end to end: real HTTP in, a fake core behind an in-process channel. */
class RestFacadeTest {

  private static FakeCore core;
  private static RestFacade facade;
  private static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  static void startFacadeInFrontOfFakeCore() throws IOException {
    core = new FakeCore();
    facade = RestFacade.start(core.channel, loopback());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    facade.close();
    core.close();
  }

  @BeforeEach
  void forgetPreviousCalls() {
    core.reset();
  }

  static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  // --- Request mapping ---

  @Test
  void pathVariableBindsTheRequestField() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets/wal_123"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(core.lastRequest.get())
        .isEqualTo(GetWalletRequest.newBuilder().setId("wal_123").build());
    assertThat(json(response).get("id").getAsString()).isEqualTo("wal_123");
  }

  @Test
  void pathVariablesArePercentDecodedWithPlusKeptLiterally() throws Exception {
    send(get("/api/v1/wallets/external/user%2F42%20a+b%C3%A9"));

    assertThat(core.lastRequest.get())
        .isEqualTo(GetWalletByExternalIdRequest.newBuilder().setExternalId("user/42 a+bé").build());
  }

  @Test
  void jsonBodyBindsTheRequestFieldsAndUnknownFieldsAreIgnored() throws Exception {
    String body =
        """
        {"externalUserId": "user_1", "external_wallet_id": "w-1", "name": "Savings",
         "currency": "USD", "metadata": {"tier": "gold"}, "favouriteColour": "blue",
         "nested": {"unknown": [1, 2]}}
        """;
    HttpResponse<String> response = send(post("/api/v1/wallets", body));

    assertThat(response.statusCode()).isEqualTo(200);
    CreateWalletRequest received = (CreateWalletRequest) core.lastRequest.get();
    assertThat(received.getExternalUserId()).isEqualTo("user_1");
    assertThat(received.getExternalWalletId()).isEqualTo("w-1");
    assertThat(received.getName()).isEqualTo("Savings");
    assertThat(received.getCurrency()).isEqualTo("USD");
    assertThat(received.getMetadata().getFieldsOrThrow("tier").getStringValue()).isEqualTo("gold");
    assertThat(json(response).get("status").getAsString()).isEqualTo("active");
  }

  @Test
  void metadataNumbersComeBackAsTheyWereSentNotAsJavaDoubles() throws Exception {
    String body =
        """
        {"externalUserId": "u", "externalWalletId": "w", "name": "n", "currency": "USD",
         "metadata": {"memberCount": 8, "share": 0.5, "big": 12345678901, "nested": {"round": 3}, "list": [1, 2.25]}}
        """;
    HttpResponse<String> response = send(post("/api/v1/wallets", body));

    assertThat(response.statusCode()).isEqualTo(200);
    String printed = response.body().replaceAll("\\s+", "");
    assertThat(printed)
        .contains("\"memberCount\":8,")
        .contains("\"share\":0.5")
        .contains("\"big\":12345678901")
        .contains("\"round\":3}")
        .contains("[1,2.25]")
        .contains("\"balance\":\"0.00\"");
  }

  @Test
  void pathVariableWinsOverTheSameFieldInTheBody() throws Exception {
    send(request("PATCH", "/api/v1/wallets/wal_path", "{\"id\": \"wal_body\", \"name\": \"New\"}"));

    UpdateWalletRequest received = (UpdateWalletRequest) core.lastRequest.get();
    assertThat(received.getId()).isEqualTo("wal_path");
    assertThat(received.getName()).isEqualTo("New");
  }

  @Test
  void emptyBodyOnABodyRouteIsAnEmptyMessage() throws Exception {
    HttpResponse<String> response = send(post("/api/v1/wallets", ""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(core.lastRequest.get()).isEqualTo(CreateWalletRequest.getDefaultInstance());
  }

  @Test
  void queryParametersBindByCamelCaseAndBySnakeCaseNames() throws Exception {
    send(get("/api/v1/wallets?pageSize=20&external_user_id=user%201&page_token=tok+en"));

    assertThat(core.lastRequest.get())
        .isEqualTo(
            ListWalletsRequest.newBuilder()
                .setPageSize(20)
                .setExternalUserId("user 1")
                .setPageToken("tok+en")
                .build());
  }

  @Test
  void queryParameterSetsAnEnumByItsLowercaseWord() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets?status=frozen&externalUserId=u"));

    assertThat(((ListWalletsRequest) core.lastRequest.get()).getStatus())
        .isEqualTo(Wallet.Status.frozen);
    assertThat(
            json(response)
                .getAsJsonArray("wallets")
                .get(0)
                .getAsJsonObject()
                .get("status")
                .getAsString())
        .isEqualTo("frozen");
  }

  @Test
  void queryParameterSetsATimestampFromRfc3339WithItsOffset() throws Exception {
    HttpResponse<String> response =
        send(get("/api/v1/wallets/wal_1/balance?asOf=2024-05-01T12:00:00+02:00"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(((GetWalletBalanceRequest) core.lastRequest.get()).getAsOf())
        .isEqualTo(Timestamps.parse("2024-05-01T10:00:00Z"));
    assertThat(json(response).get("asOf").getAsString()).isEqualTo("2024-05-01T10:00:00Z");
  }

  @Test
  void unknownQueryParametersAreIgnoredLikeUnknownBodyFields() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets?pageSize=5&cacheBuster=123"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(core.lastRequest.get())
        .isEqualTo(ListWalletsRequest.newBuilder().setPageSize(5).build());
  }

  // --- Routing ---

  @Test
  void literalRouteWinsOverAVariableRouteThatAlsoMatches() throws Exception {
    send(get("/api/v1/wallets/external/ext_9"));

    assertThat(core.lastRequest.get())
        .isEqualTo(GetWalletByExternalIdRequest.newBuilder().setExternalId("ext_9").build());
  }

  @Test
  void variableRouteStillServesAnIdThatIsNotTheLiteral() throws Exception {
    send(get("/api/v1/wallets/wal_external/balance"));

    assertThat(core.lastRequest.get())
        .isEqualTo(GetWalletBalanceRequest.newBuilder().setId("wal_external").build());
  }

  @Test
  void unknownPathIs404RouteNotFound() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/nothing-here"));

    assertThat(response.statusCode()).isEqualTo(404);
    assertFacadeError(response, 5, "ROUTE_NOT_FOUND");
    assertThat(core.lastRequest.get()).isNull();
  }

  @Test
  void knownPathWithAnotherMethodIs405WithTheAllowedMethods() throws Exception {
    HttpResponse<String> response = send(request("DELETE", "/api/v1/wallets", ""));

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("allow")).hasValue("GET, POST");
    assertFacadeError(response, 5, "ROUTE_NOT_FOUND");
  }

  @Test
  void trailingSlashDoesNotMatchAVariable() throws Exception {
    assertThat(send(get("/api/v1/wallets/")).statusCode()).isEqualTo(404);
  }

  // --- Responses ---

  @Test
  void fieldsWithDefaultValuesArePrintedForAStableShape() throws Exception {
    JsonObject wallet = json(send(get("/api/v1/wallets/wal_defaults")));

    assertThat(wallet.get("livemode").getAsBoolean()).isFalse();
    assertThat(wallet.get("balance").getAsString()).isEmpty();
    assertThat(wallet.get("externalUserId").getAsString()).isEmpty();
    assertThat(wallet.get("status").getAsString()).isEqualTo("status_unspecified");
  }

  @Test
  void responseIsJsonAndCarriesTheCoresHeadersButNotItsGrpcOrBinaryOnes() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets/wal_1"));

    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().firstValue("x-ratelimit-remaining")).hasValue("99");
    assertThat(response.headers().map().keySet())
        .noneMatch(
            name -> name.toLowerCase().startsWith("grpc-") || name.toLowerCase().endsWith("-bin"));
  }

  @Test
  void emptyResponsePrintsAnEmptyObject() throws Exception {
    HttpResponse<String> response = send(post("/api/v1/webhooks/stripe", "{}"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).entrySet()).isEmpty();
  }

  // --- Headers and request ids ---

  @Test
  void authorizationAndIdempotencyKeyHeadersReachTheCoreAsMetadata() throws Exception {
    send(
        post("/api/v1/wallets", "{}")
            .header("Authorization", "Bearer sk_test_abc")
            .header("Idempotency-Key", "idem-1")
            .header("X-Custom", "one"));

    Metadata headers = core.lastHeaders.get();
    assertThat(headers.get(FakeCore.key("authorization"))).isEqualTo("Bearer sk_test_abc");
    assertThat(headers.get(FakeCore.key("idempotency-key"))).isEqualTo("idem-1");
    assertThat(headers.get(FakeCore.key("x-custom"))).isEqualTo("one");
  }

  @Test
  void hopByHopHeadersAndThoseTheConnectionHeaderNamesAreNotForwarded() throws Exception {
    // The default client tries an h2c upgrade: Connection, Upgrade and HTTP2-Settings headers.
    HttpClient upgrading = HttpClient.newHttpClient();
    upgrading.send(get("/api/v1/wallets/wal_1").build(), BodyHandlers.ofString());

    Metadata headers = core.lastHeaders.get();
    assertThat(headers.keys())
        .doesNotContain("host", "connection", "upgrade", "http2-settings", "content-length");
  }

  @Test
  void callersRequestIdIsSentToTheCoreAndEchoed() throws Exception {
    HttpResponse<String> response =
        send(get("/api/v1/wallets/wal_1").header("X-Request-Id", "trace-42.a:b"));

    assertThat(response.headers().firstValue("x-request-id")).hasValue("trace-42.a:b");
    assertThat(core.lastHeaders.get().getAll(FakeCore.key("x-request-id")))
        .containsExactly("trace-42.a:b");
  }

  @Test
  void missingRequestIdIsGeneratedSentToTheCoreAndReturned() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets/wal_1"));

    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(requestId).matches("req_[0-9A-Za-z]{24}");
    assertThat(core.lastHeaders.get().get(FakeCore.key("x-request-id"))).isEqualTo(requestId);
  }

  @Test
  void unusableRequestIdIsReplacedByAGeneratedOne() throws Exception {
    HttpResponse<String> response =
        send(get("/api/v1/wallets/wal_1").header("X-Request-Id", "x".repeat(129)));

    assertThat(response.headers().firstValue("x-request-id").orElseThrow())
        .matches("req_[0-9A-Za-z]{24}");
  }

  // --- Raw webhook bodies ---

  @Test
  void webhookBodyReachesTheCoreByteForByteWithItsContentTypeAndSignature() throws Exception {
    byte[] body = {
      '{',
      ' ',
      '"',
      'a',
      '"',
      ':',
      '\n',
      '\t',
      '1',
      '}',
      (byte) 0xff,
      (byte) 0x00,
      (byte) 0xc3,
      ' ',
      ' '
    };
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(uri("/api/v1/webhooks/stripe"))
                .POST(BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Stripe-Signature", "t=1,v1=abc"));

    assertThat(response.statusCode()).isEqualTo(200);
    HttpBody received = (HttpBody) core.lastRequest.get();
    assertThat(received.getData().toByteArray()).isEqualTo(body);
    assertThat(received.getContentType()).isEqualTo("application/json; charset=utf-8");
    assertThat(core.lastHeaders.get().get(FakeCore.key("stripe-signature")))
        .isEqualTo("t=1,v1=abc");
  }

  // --- Errors ---

  @Test
  void coreErrorPassesThroughWithItsCodeHttpStatusAndErrorInfo() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets/" + FakeCore.MISSING_WALLET));

    assertThat(response.statusCode()).isEqualTo(404);
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    JsonObject status = json(response);
    assertThat(status.get("code").getAsInt()).isEqualTo(5);
    assertThat(status.get("message").getAsString()).isEqualTo("wallet wal_missing not found");
    JsonObject errorInfo = status.getAsJsonArray("details").get(0).getAsJsonObject();
    assertThat(errorInfo.get("@type").getAsString())
        .isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    assertThat(errorInfo.get("reason").getAsString()).isEqualTo("WALLET_NOT_FOUND");
    assertThat(errorInfo.getAsJsonObject("metadata").get("walletId").getAsString())
        .isEqualTo("wal_missing");
    assertThat(errorInfo.getAsJsonObject("metadata").get("requestId").getAsString())
        .isEqualTo(requestId);
    JsonObject requestInfo = status.getAsJsonArray("details").get(1).getAsJsonObject();
    assertThat(requestInfo.get("@type").getAsString())
        .isEqualTo("type.googleapis.com/google.rpc.RequestInfo");
    assertThat(requestInfo.get("requestId").getAsString()).isEqualTo(requestId);
  }

  @Test
  void coreErrorWithoutDetailsKeepsCodeAndMessageAndGetsTheRequestId() throws Exception {
    HttpResponse<String> response = send(get("/api/v1/wallets/" + FakeCore.BARE_ERROR_WALLET));

    assertThat(response.statusCode()).isEqualTo(403);
    JsonObject status = json(response);
    assertThat(status.get("code").getAsInt()).isEqualTo(7);
    assertThat(status.get("message").getAsString()).isEqualTo("bare denial");
    assertThat(
            status
                .getAsJsonArray("details")
                .get(0)
                .getAsJsonObject()
                .get("requestId")
                .getAsString())
        .isEqualTo(response.headers().firstValue("x-request-id").orElseThrow());
  }

  @Test
  void malformedJsonIs400MalformedRequestWithoutAStackTrace() throws Exception {
    HttpResponse<String> response = send(post("/api/v1/wallets", "{\"name\": \"x\""));

    assertThat(response.statusCode()).isEqualTo(400);
    assertFacadeError(response, 3, "MALFORMED_REQUEST");
    assertThat(json(response).get("message").getAsString())
        .startsWith("request body: not valid JSON");
    assertThat(response.body()).doesNotContain("Exception", "at com.", "at dev.");
    assertThat(core.lastRequest.get()).isNull();
  }

  @Test
  void jsonThatStrictParsersRefuseIsMalformed() throws Exception {
    assertThat(send(post("/api/v1/wallets", "{name: 'x'}")).statusCode()).isEqualTo(400);
    assertThat(send(post("/api/v1/wallets", "{\"name\": \"x\"} trailing")).statusCode())
        .isEqualTo(400);
    assertThat(send(post("/api/v1/wallets", "[1, 2]")).statusCode()).isEqualTo(400);
  }

  @Test
  void numberForAStringFieldIsMalformedAndNamesTheField() throws Exception {
    HttpResponse<String> response =
        send(
            request(
                "POST",
                "/api/v1/wallets/wal_1/credit",
                "{\"amount\": 0.1, \"currency\": \"USD\"}"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertFacadeError(response, 3, "MALFORMED_REQUEST");
    assertThat(json(response).get("message").getAsString())
        .isEqualTo("request body: amount is the number 0.1 (expected: a JSON string)");
  }

  @Test
  void unknownEnumWordInTheBodyIsInvalidFieldNotSilentlyDropped() throws Exception {
    HttpResponse<String> response =
        send(request("PATCH", "/api/v1/wallets/wal_1", "{\"status\": \"frozn\"}"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertFacadeError(response, 3, "INVALID_FIELD");
    assertThat(json(response).get("message").getAsString())
        .isEqualTo("request body: status: \"frozn\" (expected: one of active, frozen, closed)");
    assertThat(core.lastRequest.get()).isNull();
  }

  @Test
  void badQueryValuesAre400AndNameTheParameterAndWhatWasExpected() throws Exception {
    HttpResponse<String> notANumber = send(get("/api/v1/wallets?pageSize=ten"));
    assertThat(notANumber.statusCode()).isEqualTo(400);
    assertFacadeError(notANumber, 3, "MALFORMED_REQUEST");
    assertThat(json(notANumber).get("message").getAsString())
        .isEqualTo("query parameter pageSize: \"ten\" (expected: an integer of 32 bits)");

    HttpResponse<String> badTime = send(get("/api/v1/wallets/wal_1/balance?as_of=yesterday"));
    assertThat(json(badTime).get("message").getAsString())
        .isEqualTo(
            "query parameter as_of: \"yesterday\" (expected: an RFC 3339 timestamp such as"
                + " 2024-05-01T10:00:00Z)");

    HttpResponse<String> badEnum = send(get("/api/v1/wallets?status=FROZEN"));
    assertFacadeError(badEnum, 3, "INVALID_FIELD");

    HttpResponse<String> twice = send(get("/api/v1/wallets?pageSize=1&page_size=2"));
    assertThat(json(twice).get("message").getAsString())
        .startsWith("query parameter page_size: given more than once");

    HttpResponse<String> notUtf8 = send(get("/api/v1/wallets?pageToken=%C3"));
    assertFacadeError(notUtf8, 3, "MALFORMED_REQUEST");
    assertThat(json(notUtf8).get("message").getAsString())
        .isEqualTo("query parameter pageToken: percent-escapes are not valid UTF-8");
  }

  @Test
  void nonJsonContentTypeIsMalformed() throws Exception {
    HttpResponse<String> response =
        send(
            post("/api/v1/wallets", "name=x")
                .setHeader("Content-Type", "application/x-www-form-urlencoded"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("message").getAsString())
        .isEqualTo(
            "Content-Type \"application/x-www-form-urlencoded\" (expected: application/json)");
  }

  @Test
  void bodyOverOneMebibyteIsRefusedBeforeTheCoreSeesIt() throws Exception {
    String tooLarge = "{\"name\": \"" + "x".repeat(RestApi.BODY_BYTES_MAX) + "\"}";
    HttpResponse<String> response = send(post("/api/v1/wallets", tooLarge));

    assertThat(response.statusCode()).isEqualTo(400);
    assertFacadeError(response, 3, "MALFORMED_REQUEST");
    assertThat(json(response).get("message").getAsString())
        .isEqualTo("request body: " + tooLarge.length() + " bytes (expected: at most 1048576)");
    assertThat(core.lastRequest.get()).isNull();
  }

  @Test
  void facadeErrorsCarryTheRequestIdInHeaderErrorInfoAndRequestInfo() throws Exception {
    HttpResponse<String> response = send(get("/nope").header("X-Request-Id", "mine-1"));

    assertThat(response.headers().firstValue("x-request-id")).hasValue("mine-1");
    JsonObject status = json(response);
    JsonObject errorInfo = status.getAsJsonArray("details").get(0).getAsJsonObject();
    assertThat(errorInfo.get("domain").getAsString()).isEqualTo("payflow");
    assertThat(errorInfo.getAsJsonObject("metadata").get("requestId").getAsString())
        .isEqualTo("mine-1");
    assertThat(
            status
                .getAsJsonArray("details")
                .get(1)
                .getAsJsonObject()
                .get("requestId")
                .getAsString())
        .isEqualTo("mine-1");
  }

  @Test
  void unreachableCoreIs503ServiceUnavailable() throws Exception {
    String name = InProcessServerBuilder.generateName();
    Server gone = InProcessServerBuilder.forName(name).build().start();
    gone.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try (RestFacade unreachable = RestFacade.start(channel, loopback())) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + unreachable.port() + "/api/v1/wallets/wal_1"))
                  .build(),
              BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertFacadeError(response, 14, "SERVICE_UNAVAILABLE");
      assertThat(json(response).get("message").getAsString()).doesNotContain(name);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void closeLetsAnInFlightRequestFinishAndThenStopsListening() throws Exception {
    RestFacade draining =
        RestFacade.start(core.channel, loopback());
    URI slow =
        URI.create(
            "http://127.0.0.1:" + draining.port() + "/api/v1/wallets/" + FakeCore.SLOW_WALLET);
    CompletableFuture<HttpResponse<String>> inFlight =
        http.sendAsync(HttpRequest.newBuilder(slow).build(), BodyHandlers.ofString());
    assertThat(core.slowCallStarted.await(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(draining::close);
    Thread.sleep(200);
    assertThat(closing).isNotDone();
    core.releaseSlowCall();

    assertThat(inFlight.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    closing.get(5, TimeUnit.SECONDS);
    CompletableFuture<HttpResponse<String>> afterClose =
        http.sendAsync(HttpRequest.newBuilder(slow).build(), BodyHandlers.ofString());
    assertThat(afterClose).failsWithin(Duration.ofSeconds(5));
  }

  // --- Helpers ---

  private static void assertFacadeError(HttpResponse<String> response, int code, String reason) {
    JsonObject status = json(response);
    assertThat(status.get("code").getAsInt()).isEqualTo(code);
    JsonObject errorInfo = status.getAsJsonArray("details").get(0).getAsJsonObject();
    assertThat(errorInfo.get("@type").getAsString())
        .isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    assertThat(errorInfo.get("reason").getAsString()).isEqualTo(reason);
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
  }

  private static JsonObject json(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + facade.port() + path);
  }

  private static HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(uri(path)).GET();
  }

  private static HttpRequest.Builder post(String path, String json) {
    return request("POST", path, json);
  }

  private static HttpRequest.Builder request(String method, String path, String json) {
    return HttpRequest.newBuilder(uri(path))
        .method(method, BodyPublishers.ofString(json, StandardCharsets.UTF_8))
        .header("Content-Type", "application/json");
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
  }
}
