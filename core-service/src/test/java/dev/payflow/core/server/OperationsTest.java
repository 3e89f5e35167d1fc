package dev.payflow.core.server;

import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestServer;
import dev.payflow.facade.RestFacade;
import dev.payflow.proto.v1.Partner;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The surfaces operators and other services use: gRPC health and reflection, metrics, health, a standalone facade. */
class OperationsTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void grpcHealthReportsEveryPayflowServiceAsServing() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(payflow.channel());

        for (String service : List.of("", "payflow.v1.WalletService", "payflow.v1.LedgerService", "payflow.v1.TransferService",
                "payflow.v1.PartnerAdminService")) {
            assertThat(health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
                    .as(service).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
    }

    @Test
    void serverReflectionListsTheContractsServices() throws Exception {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(payflow.channel()).serverReflectionInfo(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();

        List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList();
        assertThat(services).contains("payflow.v1.WalletService", "payflow.v1.LedgerService", "payflow.v1.TransferService",
                "payflow.v1.PayoutService", "payflow.v1.StripeWebhookService", "payflow.v1.PartnerAdminService", "grpc.health.v1.Health");
    }

    @Test
    void metricsCountEveryCallByMethodAndCodeAndHealthIsUp() throws Exception {
        payflow.rest("GET", "/api/v1/wallets", partner.sandboxKey(), null);
        payflow.rest("GET", "/api/v1/wallets", "sk_test_not-a-key", null);

        HttpResponse<String> metrics = get(payflow.server().managementPort(), "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("payflow_grpc_server_calls_seconds_count{code=\"OK\",method=\"ListWallets\",service=\"payflow.v1.WalletService\"}")
                .contains("payflow_auth_failures_total{reason=\"INVALID_API_KEY\"}")
                .doesNotContain("sk_test_not-a-key");
        HttpResponse<String> health = get(payflow.server().managementPort(), "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
    }

    @Test
    void aStandaloneFacadeInFrontOfTheCoreOverTheNetworkPassesResultsAndErrorsThroughUnchanged() throws Exception {
        ManagedChannel toCore = NettyChannelBuilder.forAddress("localhost", payflow.server().grpcPort()).usePlaintext().build();
        try (RestFacade standalone = RestFacade.start(toCore, new InetSocketAddress("localhost", 0))) {
            String created = "{\"externalUserId\":\"u\",\"externalWalletId\":\"standalone\",\"name\":\"Standalone\",\"currency\":\"KWD\"}";
            HttpResponse<String> wallet = send(standalone.port(), "POST", "/api/v1/wallets", partner.sandboxKey(), created);
            assertThat(wallet.statusCode()).isEqualTo(200);
            assertThat(wallet.body()).contains("\"balance\": \"0.000\"");

            String missing = "/api/v1/wallets/wal_00000000000000000000000000";
            HttpResponse<String> viaStandalone = send(standalone.port(), "GET", missing, partner.sandboxKey(), null);
            HttpResponse<String> viaInProcess = send(payflow.server().httpPort(), "GET", missing, partner.sandboxKey(), null);
            assertRestError(new TestServer.Rest(viaStandalone.statusCode(),
                    com.google.gson.JsonParser.parseString(viaStandalone.body()).getAsJsonObject(), viaStandalone.headers()), 404, "WALLET_NOT_FOUND");
            // The same error, detail for detail, through either path; only the request ids differ.
            assertThat(viaStandalone.body().replaceAll("req_[A-Za-z0-9]+", "ID")).isEqualTo(viaInProcess.body().replaceAll("req_[A-Za-z0-9]+", "ID"));
        } finally {
            toCore.shutdownNow();
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(int port, String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + bearer)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
