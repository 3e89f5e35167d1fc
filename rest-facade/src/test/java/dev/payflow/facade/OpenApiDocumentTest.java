package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.RoutePathType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceConfig;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.payflow.proto.v1.ErrorReason;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document: generated from the descriptor set, it names exactly the routes the facade
 * serves, is a valid OpenAPI 3.1 document, carries the contract's JSON shape, and is what the
 * listener serves.
 */
class OpenApiDocumentTest {

  private static final Pattern PATH_PARAMETER = Pattern.compile("\\{[^}]+}");

  private static ManagedChannel nowhere;
  private static JsonObject document;

  @BeforeAll
  static void readTheGeneratedDocument() throws IOException {
    // No call is made: the channel only lets the forwarder build its service definitions.
    nowhere = InProcessChannelBuilder.forName("openapi-test-nowhere").build();
    try (InputStream in = resource(OpenApiGenerator.RESOURCE)) {
      document = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    }
  }

  @AfterAll
  static void closeChannel() {
    nowhere.shutdownNow();
  }

  @Test
  void documentNamesEveryRouteTheFacadeServesAndNothingElse() {
    ServerBuilder builder = Listeners.rest(Server.builder().http(0));
    RestApi.forwardingTo(nowhere).mountOn(builder);
    Server server = builder.build();

    Set<String> served = new TreeSet<>();
    for (ServiceConfig config : server.serviceConfigs()) {
      Route route = config.route();
      String pattern = route.patternString();
      if (!pattern.startsWith("/api/")) {
        continue; // the framed gRPC paths, which RequestChecks refuses on the REST listener
      }
      for (HttpMethod method : route.methods()) {
        served.add(method + " " + normalized(pattern));
      }
    }
    Set<String> documented = new TreeSet<>();
    document.getAsJsonObject("paths").entrySet().forEach(path ->
        path.getValue().getAsJsonObject().keySet().forEach(verb ->
            documented.add(verb.toUpperCase() + " " + normalized(path.getKey()))));

    assertThat(served).as("routes the facade serves").hasSizeGreaterThan(20);
    assertThat(documented).isEqualTo(served);
  }

  @Test
  void documentIsValidAgainstTheOpenApi31Schema() throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode generated = mapper.readTree(OpenApiGenerator.json(document));
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    JsonSchema openApi31;
    try (InputStream in = resource("openapi/oas-3.1-schema.json")) {
      openApi31 = factory.getSchema(in);
    }

    Set<ValidationMessage> problems = openApi31.validate(generated);

    assertThat(problems).isEmpty();
    assertThat(generated.get("openapi").asText()).isEqualTo("3.1.0");
  }

  @Test
  void everySchemaOfTheDocumentIsValidJsonSchema202012() throws IOException {
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    JsonSchema metaSchema =
        factory.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    JsonNode schemas = new ObjectMapper().readTree(OpenApiGenerator.json(document)).get("components").get("schemas");

    assertThat(schemas.size()).isGreaterThan(20);
    schemas.fields().forEachRemaining(schema ->
        assertThat(metaSchema.validate(schema.getValue())).as(schema.getKey()).isEmpty());
  }

  @Test
  void aBrokenDocumentFailsTheSchemaCheckSoTheCheckCanFail() throws IOException {
    JsonObject broken = document.deepCopy();
    broken.remove("info");
    broken.getAsJsonObject("paths").add("wallets-without-slash", new JsonObject());
    JsonSchema openApi31;
    try (InputStream in = resource("openapi/oas-3.1-schema.json")) {
      openApi31 = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }

    assertThat(openApi31.validate(new ObjectMapper().readTree(broken.toString()))).isNotEmpty();
  }

  @Test
  void theJarCarriesWhatTheGeneratorMakesOfTheCurrentDescriptorSet() {
    assertThat(OpenApiGenerator.json(document))
        .isEqualTo(OpenApiGenerator.json(OpenApiGenerator.fromDescriptorSet()));
  }

  @Test
  void schemasUseJsonNamesLowercaseEnumWordsAndDecimalStringsForMoney() {
    JsonObject schemas = document.getAsJsonObject("components").getAsJsonObject("schemas");
    JsonObject wallet = schemas.getAsJsonObject("Wallet").getAsJsonObject("properties");
    JsonObject createWallet = schemas.getAsJsonObject("CreateWalletRequest").getAsJsonObject("properties");
    JsonObject credit = schemas.getAsJsonObject("CreditWalletRequestBody").getAsJsonObject("properties");

    assertThat(createWallet.keySet()).contains("externalUserId", "externalWalletId").doesNotContain("external_user_id");
    assertThat(wallet.getAsJsonObject("status").getAsJsonArray("enum").toString())
        .isEqualTo("[\"status_unspecified\",\"active\",\"frozen\",\"closed\"]");
    assertThat(wallet.getAsJsonObject("createdAt").get("format").getAsString()).isEqualTo("date-time");
    assertThat(wallet.getAsJsonObject("metadata").get("type").getAsString()).isEqualTo("object");
    assertThat(credit.getAsJsonObject("amount").get("type").getAsString()).isEqualTo("string");
    assertThat(credit.keySet()).contains("idempotencyKey").doesNotContain("walletId");
  }

  @Test
  void errorBodyListsEveryErrorReasonOfTheContractWithItsHttpStatus() {
    JsonObject reason = document.getAsJsonObject("components").getAsJsonObject("schemas").getAsJsonObject("ErrorReason");
    Set<String> contract = Arrays.stream(ErrorReason.values())
        .filter(value -> value != ErrorReason.UNRECOGNIZED && value != ErrorReason.ERROR_REASON_UNSPECIFIED)
        .map(Enum::name)
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> documented = new TreeSet<>();
    reason.getAsJsonArray("enum").forEach(value -> documented.add(value.getAsString()));
    JsonObject statuses = reason.getAsJsonObject("x-payflow-http-status");

    assertThat(documented).isEqualTo(contract);
    assertThat(statuses.get("INSUFFICIENT_FUNDS").getAsInt()).isEqualTo(400);
    assertThat(statuses.get("INVALID_API_KEY").getAsInt()).isEqualTo(401);
    assertThat(statuses.get("WALLET_NOT_FOUND").getAsInt()).isEqualTo(404);
    assertThat(statuses.get("IDEMPOTENCY_KEY_IN_USE").getAsInt()).isEqualTo(409);
    assertThat(statuses.get("RATE_LIMITED").getAsInt()).isEqualTo(429);
    assertThat(statuses.get("SERVICE_UNAVAILABLE").getAsInt()).isEqualTo(503);
    assertThat(document.getAsJsonObject("components").getAsJsonObject("schemas").getAsJsonObject("ErrorInfo")
        .getAsJsonObject("properties").getAsJsonObject("reason").get("$ref").getAsString())
        .isEqualTo("#/components/schemas/ErrorReason");
  }

  @Test
  void operationsCarryTheirDocumentedReasonsSecurityAndIdempotency() {
    JsonObject debit = document.getAsJsonObject("paths").getAsJsonObject("/api/v1/wallets/{walletId}/debit").getAsJsonObject("post");
    JsonObject getWallet = document.getAsJsonObject("paths").getAsJsonObject("/api/v1/wallets/{id}").getAsJsonObject("get");
    JsonObject stripe = document.getAsJsonObject("paths").getAsJsonObject("/api/v1/webhooks/stripe").getAsJsonObject("post");

    assertThat(debit.getAsJsonObject("responses").getAsJsonObject("400").getAsJsonArray("x-payflow-error-reasons").toString())
        .contains("\"INSUFFICIENT_FUNDS\"", "\"WALLET_FROZEN\"");
    assertThat(debit.getAsJsonObject("responses").getAsJsonObject("404").getAsJsonArray("x-payflow-error-reasons").toString())
        .isEqualTo("[\"WALLET_NOT_FOUND\"]");
    assertThat(debit.get("x-payflow-idempotent").getAsBoolean()).isTrue();
    assertThat(debit.getAsJsonArray("parameters").toString()).contains("\"Idempotency-Key\"");
    assertThat(debit.getAsJsonArray("security").toString()).isEqualTo("[{\"partnerKey\":[\"transactions:write\"]}]");
    assertThat(getWallet.get("x-payflow-idempotent").getAsBoolean()).isFalse();
    assertThat(stripe.getAsJsonArray("security")).isEmpty();
  }

  @Test
  void listenerServesTheDocumentWithoutCredentialsAndWithARequestId() throws Exception {
    FakeCore core = new FakeCore();
    try (RestFacade facade = RestFacade.start(core.channel, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + facade.port() + OpenApiGenerator.PATH))
              .timeout(Duration.ofSeconds(10)).GET().build(),
          BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(response.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
      assertThat(JsonParser.parseString(response.body())).isEqualTo(document);
    } finally {
      core.close();
    }
  }

  /** A route with its parameters blanked: {@code /api/v1/wallets/:id} and {@code /api/v1/wallets/{id}} alike. */
  private static String normalized(String path) {
    return PATH_PARAMETER.matcher(path.replaceAll(":[A-Za-z0-9_]+", "{}")).replaceAll("{}");
  }

  private static InputStream resource(String name) {
    InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(name);
    assertThat(in).as(name).isNotNull();
    return in;
  }
}
