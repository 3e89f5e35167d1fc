package dev.payflow.facade;

import com.google.api.HttpBody;
import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RequestInfo;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletByExternalIdRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.ListWalletsResponse;
import dev.payflow.proto.v1.StripeWebhookServiceGrpc;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletBalance;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stand-in for core-service: small WalletService and StripeWebhookService implementations that
 * record what reached them, on an in-process server. The facade's job is the transcoding, so what
 * matters here is what the core receives and how its answers come back over HTTP.
 */
final class FakeCore implements AutoCloseable {

  /** GetWallet of this id fails the way core-service reports a missing wallet. */
  static final String MISSING_WALLET = "wal_missing";

  /**
   * GetWallet of this id fails with a bare status, as an exception outside the interceptor would.
   */
  static final String BARE_ERROR_WALLET = "wal_bare";

  /** GetWallet of this id waits for {@link #releaseSlowCall()}. */
  static final String SLOW_WALLET = "wal_slow";

  final AtomicReference<Message> lastRequest = new AtomicReference<>();
  final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
  final CountDownLatch slowCallStarted = new CountDownLatch(1);
  private final CountDownLatch slowCallRelease = new CountDownLatch(1);

  private final Server server;
  final ManagedChannel channel;

  /** On an in-process server, as core-service embeds the facade. */
  FakeCore() throws IOException {
    this(false);
  }

  /**
   * @param overNetty on a Netty server on a loopback port with a plaintext channel, as the
   *     standalone facade reaches a remote core; else in-process
   */
  FakeCore(boolean overNetty) throws IOException {
    if (overNetty) {
      server =
          withServices(
                  NettyServerBuilder.forAddress(
                      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
              .build()
              .start();
      channel =
          NettyChannelBuilder.forAddress(
                  InetAddress.getLoopbackAddress().getHostAddress(), server.getPort())
              .usePlaintext()
              .build();
    } else {
      String name = InProcessServerBuilder.generateName();
      server = withServices(InProcessServerBuilder.forName(name)).build().start();
      channel = InProcessChannelBuilder.forName(name).build();
    }
  }

  private ServerBuilder<?> withServices(ServerBuilder<?> builder) {
    return builder
        .addService(ServerInterceptors.intercept(new Wallets(), new HeaderInterceptor()))
        .addService(ServerInterceptors.intercept(new StripeWebhooks(), new HeaderInterceptor()));
  }

  void releaseSlowCall() {
    slowCallRelease.countDown();
  }

  void reset() {
    lastRequest.set(null);
    lastHeaders.set(null);
  }

  @Override
  public void close() throws InterruptedException {
    releaseSlowCall();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  /** Records the request metadata, and sends response headers a core might send. */
  private final class HeaderInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      lastHeaders.set(headers);
      ServerCall<Q, R> withHeaders =
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              responseHeaders.put(key("x-ratelimit-remaining"), "99");
              responseHeaders.put(key("grpc-internal-thing"), "not for http");
              responseHeaders.put(
                  Metadata.Key.of("x-secret-bin", Metadata.BINARY_BYTE_MARSHALLER),
                  new byte[] {1, 2});
              super.sendHeaders(responseHeaders);
            }
          };
      return next.startCall(withHeaders, headers);
    }
  }

  private final class Wallets extends WalletServiceGrpc.WalletServiceImplBase {
    @Override
    public void createWallet(CreateWalletRequest request, StreamObserver<Wallet> response) {
      lastRequest.set(request);
      reply(
          response,
          Wallet.newBuilder()
              .setId("wal_new")
              .setExternalUserId(request.getExternalUserId())
              .setExternalWalletId(request.getExternalWalletId())
              .setName(request.getName())
              .setCurrency(request.getCurrency())
              .setMetadata(request.getMetadata())
              .setStatus(Wallet.Status.active)
              .setBalance("0.00")
              .build());
    }

    @Override
    public void listWallets(
        ListWalletsRequest request, StreamObserver<ListWalletsResponse> response) {
      lastRequest.set(request);
      reply(
          response,
          ListWalletsResponse.newBuilder()
              .setNextPageToken(request.getPageToken())
              .addWallets(
                  Wallet.newBuilder()
                      .setExternalUserId(request.getExternalUserId())
                      .setStatus(request.getStatus())
                      .setName("pageSize " + request.getPageSize()))
              .build());
    }

    @Override
    public void getWallet(GetWalletRequest request, StreamObserver<Wallet> response) {
      lastRequest.set(request);
      switch (request.getId()) {
        case MISSING_WALLET -> {
          String requestId = lastHeaders.get().get(key("x-request-id"));
          response.onError(
              StatusProto.toStatusRuntimeException(
                  com.google.rpc.Status.newBuilder()
                      .setCode(Status.Code.NOT_FOUND.value())
                      .setMessage("wallet " + request.getId() + " not found")
                      .addDetails(
                          Any.pack(
                              ErrorInfo.newBuilder()
                                  .setReason("WALLET_NOT_FOUND")
                                  .setDomain("payflow")
                                  .putMetadata("walletId", request.getId())
                                  .putMetadata("requestId", requestId)
                                  .build()))
                      .addDetails(
                          Any.pack(RequestInfo.newBuilder().setRequestId(requestId).build()))
                      .build()));
          return;
        }
        case BARE_ERROR_WALLET -> {
          response.onError(
              Status.PERMISSION_DENIED.withDescription("bare denial").asRuntimeException());
          return;
        }
        case SLOW_WALLET -> {
          slowCallStarted.countDown();
          try {
            slowCallRelease.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        default -> {}
      }
      // Only the id: every other field keeps its default, which the JSON must still show.
      reply(response, Wallet.newBuilder().setId(request.getId()).build());
    }

    @Override
    public void getWalletByExternalId(
        GetWalletByExternalIdRequest request, StreamObserver<Wallet> response) {
      lastRequest.set(request);
      reply(response, Wallet.newBuilder().setExternalWalletId(request.getExternalId()).build());
    }

    @Override
    public void getWalletBalance(
        GetWalletBalanceRequest request, StreamObserver<WalletBalance> response) {
      lastRequest.set(request);
      reply(
          response,
          WalletBalance.newBuilder()
              .setWalletId(request.getId())
              .setAsOf(request.getAsOf())
              .build());
    }

    @Override
    public void updateWallet(UpdateWalletRequest request, StreamObserver<Wallet> response) {
      lastRequest.set(request);
      Wallet.Builder wallet = Wallet.newBuilder().setId(request.getId());
      if (request.hasName()) {
        wallet.setName(request.getName());
      }
      if (request.hasStatus()) {
        wallet.setStatus(request.getStatus());
      }
      reply(response, wallet.build());
    }
  }

  private final class StripeWebhooks extends StripeWebhookServiceGrpc.StripeWebhookServiceImplBase {
    @Override
    public void handleStripeEvent(HttpBody request, StreamObserver<Empty> response) {
      lastRequest.set(request);
      reply(response, Empty.getDefaultInstance());
    }
  }

  private static <T> void reply(StreamObserver<T> response, T message) {
    response.onNext(message);
    response.onCompleted();
  }
}
