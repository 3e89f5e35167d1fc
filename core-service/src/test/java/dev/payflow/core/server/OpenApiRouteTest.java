package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document on the real server: served on the public REST listener without a
 * credential, and not on an admin listener of its own (which serves only the admin paths).
 */
class OpenApiRouteTest {

  private static TestServer server;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    server = TestServer.startWithAdminListener(false);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void publicListenerServesTheDocumentWithoutACredential() throws Exception {
    HttpResponse<String> response = get(server.server().httpPort());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
    JsonObject document = JsonParser.parseString(response.body()).getAsJsonObject();
    assertThat(document.get("openapi").getAsString()).isEqualTo("3.1.0");
    assertThat(document.getAsJsonObject("paths").keySet()).contains("/api/v1/wallets", "/api/v1/wallets/{walletId}/credit");
  }

  @Test
  void adminListenerOfItsOwnDoesNotServeIt() throws Exception {
    HttpResponse<String> response = get(server.server().adminPort());

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("ROUTE_NOT_FOUND");
  }

  private static HttpResponse<String> get(int port) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/openapi.json"))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
