package dev.payflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.ExportServiceGrpc;
import dev.payflow.proto.v1.ExportTransactionsRequest;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Java client against a real PayFlow (gRPC server, embedded PostgreSQL) started by the test. */
class PayFlowClientTest {

  private static TestServer server;
  private static String sandboxKey;

  private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startPayFlow() {
    server = TestServer.start();
    sandboxKey = server.onboard(Partner.Status.active).sandboxKey();
  }

  @AfterAll
  static void stopPayFlow() {
    server.close();
  }

  @BeforeEach
  void forgetWaits() {
    waits.clear();
  }

  @Test
  void partnerCreatesFundsTransfersAndReadsTheStatementThroughTheClient() {
    try (PayFlowClient payflow = client().build()) {
      Wallet savings = payflow.wallets().create(newWallet("USD"));
      Wallet pot = payflow.wallets().create(newWallet("USD"));

      Transaction credit = payflow.wallets().credit(CreditWalletRequest.newBuilder()
          .setWalletId(savings.getId()).setAmount("50.00").setCurrency("USD").setDescription("Week 3").build());
      Transaction transfer = payflow.transfers().create(CreateTransferRequest.newBuilder()
          .setFromWalletId(savings.getId()).setToWalletId(pot.getId()).setAmount("20.00").setCurrency("USD").build());
      List<LedgerEntry> statement = list(payflow.wallets().ledgerEntries(savings.getId()));

      assertThat(credit.getIdempotencyKey()).as("a key the client made").startsWith("sdk_");
      assertThat(transfer.getIdempotencyKey()).startsWith("sdk_").isNotEqualTo(credit.getIdempotencyKey());
      assertThat(payflow.wallets().balance(savings.getId()).getBalance()).isEqualTo("30.00");
      assertThat(payflow.wallets().get(pot.getId()).getBalance()).isEqualTo("20.00");
      assertThat(payflow.wallets().getByExternalId(pot.getExternalWalletId()).getId()).isEqualTo(pot.getId());
      assertThat(payflow.transactions().get(transfer.getId()).getId()).isEqualTo(transfer.getId());
      assertThat(payflow.transfers().get(transfer.getId()).getAmount()).isEqualTo("20.00");
      assertThat(statement).extracting(LedgerEntry::getBalance).containsExactly("30.00", "50.00");
      assertThat(waits).isEmpty();
    }
  }

  @Test
  void aSandboxCardPaymentFundsTheWalletAndALostRefundAnswerIsRetriedWithOneKeyAndRefundsOnce() {
    LoseResponses lose = new LoseResponses(dev.payflow.proto.v1.PaymentServiceGrpc.getRefundPaymentMethod(), 1);
    try (PayFlowClient payflow = client().interceptor(lose).build()) {
      Wallet wallet = payflow.wallets().create(newWallet("USD"));

      dev.payflow.proto.v1.Payment payment = payflow.payments().create(dev.payflow.proto.v1.CreatePaymentRequest.newBuilder()
          .setAmount("25.00").setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setCapture(true).build());
      dev.payflow.proto.v1.Refund refund = payflow.payments().refund(dev.payflow.proto.v1.RefundPaymentRequest.newBuilder()
          .setId(payment.getId()).setAmount("5.00").setReason("requested_by_customer").build());

      assertThat(payment.getStatus()).isEqualTo(dev.payflow.proto.v1.Payment.Status.succeeded);
      assertThat(payment.getIdempotencyKey()).startsWith("sdk_");
      assertThat(lose.sent).hasSize(2);
      assertThat(lose.sent).extracting(sent -> ((dev.payflow.proto.v1.RefundPaymentRequest) sent).getIdempotencyKey()).containsOnly(
          ((dev.payflow.proto.v1.RefundPaymentRequest) lose.sent.get(0)).getIdempotencyKey());
      assertThat(payflow.payments().get(payment.getId()).getRefundsList()).extracting(dev.payflow.proto.v1.Refund::getId)
          .containsExactly(refund.getId());
      assertThat(payflow.wallets().balance(wallet.getId()).getBalance()).isEqualTo("20.00");
      assertThat(list(payflow.payments().list(dev.payflow.proto.v1.ListPaymentsRequest.newBuilder().setWalletId(wallet.getId()).build())))
          .extracting(dev.payflow.proto.v1.Payment::getId).containsExactly(payment.getId());
    }
  }

  @Test
  void aSandboxPaymentMethodIsKeptForAUserListedUpdatedAndDetached() {
    try (PayFlowClient payflow = client().build()) {
      String holder = "sdk-card-holder-" + UUID.randomUUID();
      dev.payflow.proto.v1.PaymentMethod method = payflow.paymentMethods().create(dev.payflow.proto.v1.CreatePaymentMethodRequest.newBuilder()
          .setProvider("stripe").setProviderToken("pm_card_visa_" + UUID.randomUUID().toString().replace("-", ""))
          .setExternalUserId(holder).build());

      assertThat(method.getId()).startsWith("pmd_");
      assertThat(method.getProvider()).isEqualTo("simulated");
      assertThat(method.getStatus()).isEqualTo("active");
      assertThat(method.getCard().getLast4()).isEqualTo("4242");
      assertThat(payflow.paymentMethods().get(method.getId()).getId()).isEqualTo(method.getId());
      dev.payflow.proto.v1.ListPaymentMethodsRequest ofHolder =
          dev.payflow.proto.v1.ListPaymentMethodsRequest.newBuilder().setExternalUserId(holder).build();
      assertThat(list(payflow.paymentMethods().list(ofHolder))).extracting(dev.payflow.proto.v1.PaymentMethod::getId)
          .containsExactly(method.getId());
      assertThat(payflow.paymentMethods().update(dev.payflow.proto.v1.UpdatePaymentMethodRequest.newBuilder().setId(method.getId())
          .setMetadata(Struct.newBuilder().putFields("nickname", Value.newBuilder().setStringValue("work card").build())).build())
          .getMetadata().getFieldsOrThrow("nickname").getStringValue()).isEqualTo("work card");
      assertThat(payflow.paymentMethods().detach(method.getId()).getStatus()).isEqualTo("detached");
      assertThat(list(payflow.paymentMethods().list(ofHolder))).as("detached ones are left out").isEmpty();
    }
  }

  @Test
  void aSimulatedConnectedAccountIsCreatedListedAndDisconnected() {
    try (PayFlowClient payflow = client().build()) {
      String holder = "sdk-holder-" + java.util.UUID.randomUUID();
      dev.payflow.proto.v1.ConnectedAccount account = payflow.connectedAccounts().create(
          dev.payflow.proto.v1.CreateConnectedAccountRequest.newBuilder().setExternalUserId(holder).setCountry("US")
              .setEmail("holder@example.com").build());

      assertThat(account.getId()).startsWith("con_");
      assertThat(account.getStatus()).isEqualTo(dev.payflow.proto.v1.ConnectedAccount.Status.restricted);
      assertThat(payflow.connectedAccounts().get(account.getId()).getExternalUserId()).isEqualTo(holder);
      assertThat(list(payflow.connectedAccounts().list(dev.payflow.proto.v1.ListConnectedAccountsRequest.newBuilder()
          .setExternalUserId(holder).build()))).extracting(dev.payflow.proto.v1.ConnectedAccount::getId).containsExactly(account.getId());
      assertThat(payflow.connectedAccounts().balance(account.getId()).getAvailableList()).isEmpty();
      assertThat(payflow.connectedAccounts().disconnect(account.getId()).getStatus())
          .isEqualTo(dev.payflow.proto.v1.ConnectedAccount.Status.disabled);
    }
  }

  @Test
  void theWebhookEndpointShowsItsSecretOnceAndListsTheEventsOfACredit() {
    try (PayFlowClient payflow = client().build()) {
      dev.payflow.proto.v1.WebhookEndpoint endpoint = payflow.webhookEndpoint().put(dev.payflow.proto.v1.PutWebhookEndpointRequest.newBuilder()
          .setUrl("http://localhost:9999/payflow/hooks").build());
      Wallet wallet = payflow.wallets().create(newWallet("USD"));
      Transaction credit = payflow.wallets().credit(CreditWalletRequest.newBuilder()
          .setWalletId(wallet.getId()).setAmount("3.00").setCurrency("USD").build());

      assertThat(endpoint.getSecret()).startsWith("whsec_");
      assertThat(payflow.webhookEndpoint().get().getSecret()).isEmpty();
      assertThat(list(payflow.webhookEndpoint().events(dev.payflow.proto.v1.ListEventsRequest.newBuilder().setType("wallet.funds_added").build())))
          .filteredOn(e -> e.getData().getFieldsOrThrow("transactionId").getStringValue().equals(credit.getId()))
          .extracting(dev.payflow.proto.v1.WebhookEvent::getType).containsExactly("wallet.funds_added");
    }
  }

  @Test
  void aLostResponseIsRetriedWithTheSameIdempotencyKeyAndTheMoneyMovesOnce() {
    LoseResponses lose = new LoseResponses(WalletServiceGrpc.getCreditWalletMethod(), 2);
    try (PayFlowClient payflow = client().interceptor(lose).build()) {
      Wallet wallet = payflow.wallets().create(newWallet("USD"));

      Transaction credit = payflow.wallets().credit(CreditWalletRequest.newBuilder()
          .setWalletId(wallet.getId()).setAmount("12.50").setCurrency("USD").build());

      assertThat(lose.sent).hasSize(3);
      assertThat(lose.sent).extracting(sent -> ((CreditWalletRequest) sent).getIdempotencyKey())
          .containsOnly(credit.getIdempotencyKey());
      assertThat(waits).hasSize(2);
      assertThat(payflow.wallets().get(wallet.getId()).getBalance()).isEqualTo("12.50");
      assertThat(list(payflow.wallets().transactions(wallet.getId()))).extracting(Transaction::getId)
          .containsExactly(credit.getId());
    }
  }

  @Test
  void aKeyTheCallerGivesIsKeptAndItsReplayReturnsTheOriginalTransaction() {
    try (PayFlowClient payflow = client().build()) {
      Wallet wallet = payflow.wallets().create(newWallet("USD"));
      CreditWalletRequest request = CreditWalletRequest.newBuilder().setWalletId(wallet.getId())
          .setAmount("5.00").setCurrency("USD").setIdempotencyKey("partner-key-" + UUID.randomUUID()).build();

      Transaction first = payflow.wallets().credit(request);
      Transaction replay = payflow.wallets().credit(request);

      assertThat(first.getIdempotencyKey()).isEqualTo(request.getIdempotencyKey());
      assertThat(replay.getId()).isEqualTo(first.getId());
      assertThat(payflow.wallets().get(wallet.getId()).getBalance()).isEqualTo("5.00");
    }
  }

  @Test
  void aBusinessErrorCarriesCodeReasonAndRequestIdAndIsNotRetried() {
    try (PayFlowClient payflow = client().build()) {
      Wallet wallet = payflow.wallets().create(newWallet("USD"));

      assertThatThrownBy(() -> payflow.wallets().debit(DebitWalletRequest.newBuilder()
              .setWalletId(wallet.getId()).setAmount("80.00").setCurrency("USD").build()))
          .isInstanceOfSatisfying(PayFlowException.class, error -> {
            assertThat(error.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(error.reason()).isEqualTo("INSUFFICIENT_FUNDS");
            assertThat(error.requestId()).startsWith("req_");
            assertThat(error.getMessage()).contains("INSUFFICIENT_FUNDS", error.requestId());
          });
      assertThat(waits).isEmpty();
    }
  }

  @Test
  void anotherPartnersWalletIsNotFoundWithItsReason() {
    String otherKey = server.onboard(Partner.Status.active).sandboxKey();
    String foreignWallet = server.newWallet(otherKey, "USD").getId();
    try (PayFlowClient payflow = client().build()) {
      assertThatThrownBy(() -> payflow.wallets().get(foreignWallet))
          .isInstanceOfSatisfying(PayFlowException.class, error -> {
            assertThat(error.code()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(error.reason()).isEqualTo("WALLET_NOT_FOUND");
          });
    }
  }

  @Test
  void anUnknownKeyIsUnauthenticatedWithItsReason() {
    try (PayFlowClient payflow = client().apiKey("sk_test_" + "x".repeat(43)).build()) {
      assertThatThrownBy(() -> payflow.wallets().get("wal_01JAAAAAAAAAAAAAAAAAAAAAAA"))
          .isInstanceOfSatisfying(PayFlowException.class, error -> {
            assertThat(error.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(error.reason()).isEqualTo("INVALID_API_KEY");
          });
      assertThat(waits).isEmpty();
    }
  }

  @Test
  void retriesStopAfterTheConfiguredNumberWithBackoffWithinItsCaps() {
    LoseResponses lose = new LoseResponses(WalletServiceGrpc.getGetWalletMethod(), Integer.MAX_VALUE);
    RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(300));
    try (PayFlowClient payflow = client().retryPolicy(policy).interceptor(lose).build()) {
      Wallet wallet = payflow.wallets().create(newWallet("USD"));

      assertThatThrownBy(() -> payflow.wallets().get(wallet.getId()))
          .isInstanceOfSatisfying(PayFlowException.class,
              error -> assertThat(error.code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(lose.sent).hasSize(5);
      assertThat(waits).hasSize(4);
      assertThat(waits.get(0)).isLessThanOrEqualTo(Duration.ofMillis(100));
      assertThat(waits.get(1)).isLessThanOrEqualTo(Duration.ofMillis(200));
      assertThat(waits).allSatisfy(wait -> assertThat(wait).isBetween(Duration.ZERO, Duration.ofMillis(300)));
    }
  }

  @Test
  void listsPageTransparentlyWithoutRepeatsOrGaps() {
    CountCalls count = new CountCalls(WalletServiceGrpc.getListWalletsMethod());
    try (PayFlowClient payflow = client().interceptor(count).build()) {
      String user = "user-" + UUID.randomUUID();
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        created.add(0, payflow.wallets().create(newWallet("USD").toBuilder().setExternalUserId(user).build()).getId());
      }

      List<Wallet> listed = list(payflow.wallets().list(
          ListWalletsRequest.newBuilder().setExternalUserId(user).setPageSize(2).build()));

      assertThat(listed).extracting(Wallet::getId).as("newest first").containsExactlyElementsOf(created);
      assertThat(count.calls).hasValue(3);
    }
  }

  @Test
  void theExportIteratesEveryPageOfItsJsonLinesOldestFirstAsTransactionsGetAnswersThem() {
    // A partner of its own, so the window holds exactly the transactions booked here.
    String exporter = server.onboard(Partner.Status.active).sandboxKey();
    CountCalls count = new CountCalls(ExportServiceGrpc.getExportTransactionsMethod());
    try (PayFlowClient payflow = client().apiKey(exporter).interceptor(count).build()) {
      Instant from = server.clock().instant().minusSeconds(1);
      Wallet wallet = payflow.wallets().create(newWallet("USD"));
      List<String> booked = new ArrayList<>();
      booked.add(payflow.wallets().credit(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("10.00")
          .setCurrency("USD").setMetadata(Struct.newBuilder().putFields("week", Value.newBuilder().setNumberValue(12).build()))
          .build()).getId());
      booked.add(payflow.wallets().debit(DebitWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("2.50")
          .setCurrency("USD").build()).getId());
      booked.add(payflow.wallets().credit(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("1.00")
          .setCurrency("USD").build()).getId());
      Instant to = server.clock().instant().plusSeconds(1);

      List<Transaction> exported = list(payflow.exports().transactions(ExportTransactionsRequest.newBuilder()
          .setFrom(timestamp(from)).setTo(timestamp(to)).setPageSize(2).build()));

      assertThat(exported).extracting(Transaction::getId).as("oldest first, no repeats, no gaps").containsExactlyElementsOf(booked);
      assertThat(count.calls).as("two pages of two").hasValue(2);
      assertThat(exported.get(0)).isEqualTo(payflow.transactions().get(booked.get(0)));
      assertThat(exported.get(1).getAmount()).isEqualTo("2.50");
      assertThat(exported.get(0).getEntriesList()).as("the wallet's entry with its running balance")
          .extracting(entry -> entry.getWalletId() + " " + entry.getBalance()).containsExactly(wallet.getId() + " 10.00");
    }
  }

  @Test
  void anExportWindowThatEndsBeforeItStartsIsRefusedWithItsReason() {
    try (PayFlowClient payflow = client().build()) {
      Instant now = server.clock().instant();
      Iterable<Transaction> lines = payflow.exports().transactions(ExportTransactionsRequest.newBuilder()
          .setFrom(timestamp(now)).setTo(timestamp(now.minusSeconds(60))).build());

      assertThatThrownBy(() -> lines.iterator().hasNext()).isInstanceOfSatisfying(PayFlowException.class, e -> {
        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.reason()).isEqualTo("INVALID_FIELD");
      });
    }
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  @Test
  void aDeadlineShorterThanTheCallFailsWithDeadlineExceeded() {
    try (PayFlowClient payflow = client().build()) {
      PayFlowClient hurried = payflow.withDeadline(Duration.ofNanos(1));

      assertThatThrownBy(() -> hurried.wallets().get("wal_01JAAAAAAAAAAAAAAAAAAAAAAA"))
          .isInstanceOfSatisfying(PayFlowException.class,
              error -> assertThat(error.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      assertThat(waits).as("a deadline is not retried").isEmpty();
    }
  }

  @Test
  void keysOfNeitherEnvironmentAreRefusedAtConstruction() {
    assertThatThrownBy(() -> PayFlowClient.builder().apiKey("pk_test_123"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sk_test_");
  }

  private PayFlowClient.Builder client() {
    return PayFlowClient.builder()
        .target("localhost:" + server.server().grpcPort())
        .apiKey(sandboxKey)
        .sleeper(waits::add);
  }

  private static CreateWalletRequest newWallet(String currency) {
    String id = UUID.randomUUID().toString();
    return CreateWalletRequest.newBuilder().setExternalUserId("user-" + id).setExternalWalletId("wallet-" + id)
        .setName("Circle " + id.substring(0, 8)).setCurrency(currency).build();
  }

  private static <T> List<T> list(Iterable<T> items) {
    return StreamSupport.stream(items.spliterator(), false).toList();
  }

  /**
   * Lets the first {@code count} calls of a method reach the server and be processed, then
   * replaces their answer with UNAVAILABLE, as a dropped connection would: the case a retry with
   * the same idempotency key exists for.
   */
  private static final class LoseResponses implements ClientInterceptor {
    final List<Message> sent = Collections.synchronizedList(new ArrayList<>());
    private final String method;
    private final AtomicInteger remaining;

    LoseResponses(MethodDescriptor<?, ?> method, int count) {
      this.method = method.getFullMethodName();
      this.remaining = new AtomicInteger(count);
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> descriptor, CallOptions options, Channel next) {
      ClientCall<Q, R> call = next.newCall(descriptor, options);
      if (!descriptor.getFullMethodName().equals(method)) {
        return call;
      }
      return new SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          boolean lost = remaining.getAndDecrement() > 0;
          super.start(!lost ? listener : new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onMessage(R message) {
              // Processed by the server, never seen by the client.
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              super.onClose(Status.UNAVAILABLE.withDescription("connection lost (test)"), new Metadata());
            }
          }, headers);
        }

        @Override
        public void sendMessage(Q message) {
          sent.add((Message) message);
          super.sendMessage(message);
        }
      };
    }
  }

  private static final class CountCalls implements ClientInterceptor {
    final AtomicInteger calls = new AtomicInteger();
    private final String method;

    CountCalls(MethodDescriptor<?, ?> method) {
      this.method = method.getFullMethodName();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> descriptor, CallOptions options, Channel next) {
      if (descriptor.getFullMethodName().equals(method)) {
        calls.incrementAndGet();
      }
      return next.newCall(descriptor, options);
    }
  }
}
