package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.HttpBody;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.proto.v1.GetWalletRequest;
import io.grpc.Metadata;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The standalone set-up: the facade in front of a core reached over a real HTTP/2 connection, where
 * headers, trailers and status details travel as the network carries them.
 */
class OverNettyTest {

  private static FakeCore core;
  private static RestFacade facade;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    core = new FakeCore(true);
    facade =
        RestFacade.start(core.channel, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  static void stop() throws Exception {
    facade.close();
    core.close();
  }

  @Test
  void requestAndPartnerHeadersCrossTheNetworkToTheCore() throws Exception {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(uri("/api/v1/wallets/wal_7"))
                .header("Authorization", "Bearer sk_live_x")
                .header("X-Request-Id", "net-1"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(core.lastRequest.get())
        .isEqualTo(GetWalletRequest.newBuilder().setId("wal_7").build());
    Metadata headers = core.lastHeaders.get();
    assertThat(headers.get(FakeCore.key("authorization"))).isEqualTo("Bearer sk_live_x");
    assertThat(headers.getAll(FakeCore.key("x-request-id"))).containsExactly("net-1");
    assertThat(response.headers().firstValue("x-ratelimit-remaining")).hasValue("99");
  }

  @Test
  void errorDetailsFromTheTrailersOfARealConnectionPassThrough() throws Exception {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(uri("/api/v1/wallets/" + FakeCore.MISSING_WALLET)));

    assertThat(response.statusCode()).isEqualTo(404);
    JsonObject errorInfo =
        JsonParser.parseString(response.body())
            .getAsJsonObject()
            .getAsJsonArray("details")
            .get(0)
            .getAsJsonObject();
    assertThat(errorInfo.get("reason").getAsString()).isEqualTo("WALLET_NOT_FOUND");
  }

  @Test
  void webhookBytesSurviveTheNetworkUnchanged() throws Exception {
    byte[] body = {(byte) 0xfe, '\r', '\n', ' ', '{', '}', 0};
    send(
        HttpRequest.newBuilder(uri("/api/v1/webhooks/stripe"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", "application/json"));

    assertThat(((HttpBody) core.lastRequest.get()).getData().toByteArray()).isEqualTo(body);
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + facade.port() + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
