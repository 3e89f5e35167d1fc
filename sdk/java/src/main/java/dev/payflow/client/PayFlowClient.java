package dev.payflow.client;

import com.google.protobuf.Message;
import dev.payflow.proto.v1.CancelPaymentRequest;
import dev.payflow.proto.v1.CreatePaymentMethodRequest;
import dev.payflow.proto.v1.DeletePaymentMethodRequest;
import dev.payflow.proto.v1.GetPaymentMethodRequest;
import dev.payflow.proto.v1.ListPaymentMethodsRequest;
import dev.payflow.proto.v1.PaymentMethod;
import dev.payflow.proto.v1.PaymentMethodServiceGrpc;
import dev.payflow.proto.v1.UpdatePaymentMethodRequest;
import dev.payflow.proto.v1.ExportServiceGrpc;
import dev.payflow.proto.v1.ExportTransactionsRequest;
import dev.payflow.proto.v1.CapturePaymentRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GetEventRequest;
import dev.payflow.proto.v1.GetPaymentConfigRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.GetWebhookEndpointRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.ListPaymentsRequest;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentConfig;
import dev.payflow.proto.v1.PaymentServiceGrpc;
import dev.payflow.proto.v1.PutWebhookEndpointRequest;
import dev.payflow.proto.v1.Refund;
import dev.payflow.proto.v1.RefundPaymentRequest;
import dev.payflow.proto.v1.ReplayEventRequest;
import dev.payflow.proto.v1.RollWebhookSecretRequest;
import dev.payflow.proto.v1.WebhookEndpointServiceGrpc;
import dev.payflow.proto.v1.WebhookEvent;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetHoldRequest;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.GetTransferRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletByExternalIdRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.HoldServiceGrpc;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.ListWalletHoldsRequest;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.VoidHoldRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletBalance;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * PayFlow over gRPC, for internal services: the generated stubs' messages, with authentication,
 * a deadline on every attempt, retries with one idempotency key per money-moving call, typed
 * errors ({@link PayFlowException#reason()}) and lists that page as they are iterated.
 *
 * <pre>{@code
 * try (PayFlowClient payflow = PayFlowClient.builder().target("localhost:9090").apiKey(key).build()) {
 *   Wallet wallet = payflow.wallets().create(CreateWalletRequest.newBuilder()
 *       .setExternalUserId("user_456").setExternalWalletId("circle_7").setName("Circle #7")
 *       .setCurrency("USD").build());
 *   Transaction credit = payflow.wallets().credit(CreditWalletRequest.newBuilder()
 *       .setWalletId(wallet.getId()).setAmount("50.00").setCurrency("USD").build());
 *   for (LedgerEntry entry : payflow.wallets().ledgerEntries(wallet.getId())) { ... }
 * }
 * }</pre>
 *
 * <p>Every RPC of the contract can also be called through {@link #call}, with the same
 * authentication, deadline, idempotency and retries, so a service added to the protos is usable
 * before it has a resource here. Resources are thin: one line per RPC.
 */
public final class PayFlowClient implements AutoCloseable {

  /** A call takes milliseconds; ten seconds is for a stuck server or network, not a slow one. */
  public static final Duration DEADLINE_DEFAULT = Duration.ofSeconds(10);

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel owned;
  private final Calls calls;

  private PayFlowClient(ManagedChannel owned, Calls calls) {
    this.owned = owned;
    this.calls = calls;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The same client (and connection) with another deadline per attempt. */
  public PayFlowClient withDeadline(Duration deadline) {
    return new PayFlowClient(null, calls.withDeadline(requirePositive(deadline)));
  }

  /**
   * Calls any unary RPC of the contract, e.g. {@code call(WalletServiceGrpc.getGetWalletMethod(),
   * request)}, with this client's credentials, deadline, idempotency keys and retries.
   *
   * @throws PayFlowException if the call fails (after the retries its error allows)
   */
  public <Q extends Message, R> R call(MethodDescriptor<Q, R> method, Q request) {
    return calls.unary(method, request);
  }

  /** Every item of a paginated list RPC, fetched page by page as the iteration goes. */
  public <Q extends Message, R extends Message, T> Iterable<T> listAll(MethodDescriptor<Q, R> method, Q request) {
    return Pages.of(calls, method, request);
  }

  public Wallets wallets() {
    return new Wallets();
  }

  public Transfers transfers() {
    return new Transfers();
  }

  public Transactions transactions() {
    return new Transactions();
  }

  public Holds holds() {
    return new Holds();
  }

  public Payments payments() {
    return new Payments();
  }

  /** Users' payment methods, kept as the provider's tokens (never card numbers). */
  public PaymentMethods paymentMethods() {
    return new PaymentMethods();
  }

  public ConnectedAccounts connectedAccounts() {
    return new ConnectedAccounts();
  }

  public Payouts payouts() {
    return new Payouts();
  }

  /** The partner's webhook endpoint of this key's mode, and the events sent to it. */
  public WebhookEndpoint webhookEndpoint() {
    return new WebhookEndpoint();
  }

  /** The partner's own data in bulk (permission {@code exports:read}). */
  public Exports exports() {
    return new Exports();
  }

  /** Closes the connection, if this client opened it (not one made by {@link #withDeadline}). */
  @Override
  public void close() {
    if (owned != null) {
      owned.shutdown();
      try {
        if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
          owned.shutdownNow();
        }
      } catch (InterruptedException e) {
        owned.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** WalletService, and the wallet-scoped lists of LedgerService. */
  public final class Wallets {
    private Wallets() {}

    public Wallet create(CreateWalletRequest request) {
      return call(WalletServiceGrpc.getCreateWalletMethod(), request);
    }

    public Wallet get(String id) {
      return call(WalletServiceGrpc.getGetWalletMethod(), GetWalletRequest.newBuilder().setId(id).build());
    }

    public Wallet getByExternalId(String externalId) {
      return call(WalletServiceGrpc.getGetWalletByExternalIdMethod(),
          GetWalletByExternalIdRequest.newBuilder().setExternalId(externalId).build());
    }

    /** Every wallet matching the request's filters, newest first; its page size sets the page length. */
    public Iterable<Wallet> list(ListWalletsRequest request) {
      return listAll(WalletServiceGrpc.getListWalletsMethod(), request);
    }

    public Wallet update(UpdateWalletRequest request) {
      return call(WalletServiceGrpc.getUpdateWalletMethod(), request);
    }

    public WalletBalance balance(String id) {
      return call(WalletServiceGrpc.getGetWalletBalanceMethod(), GetWalletBalanceRequest.newBuilder().setId(id).build());
    }

    /** Idempotent: without an {@code idempotencyKey} the client makes one, reused on every retry. */
    public Transaction credit(CreditWalletRequest request) {
      return call(WalletServiceGrpc.getCreditWalletMethod(), request);
    }

    /** Idempotent like {@link #credit}. */
    public Transaction debit(DebitWalletRequest request) {
      return call(WalletServiceGrpc.getDebitWalletMethod(), request);
    }

    public Iterable<Transaction> transactions(String walletId) {
      return listAll(LedgerServiceGrpc.getListWalletTransactionsMethod(),
          ListWalletTransactionsRequest.newBuilder().setWalletId(walletId).build());
    }

    /** The wallet's statement, newest first, each entry with the running balance. */
    public Iterable<LedgerEntry> ledgerEntries(String walletId) {
      return listAll(LedgerServiceGrpc.getListLedgerEntriesMethod(),
          ListLedgerEntriesRequest.newBuilder().setWalletId(walletId).build());
    }
  }

  /** TransferService. */
  public final class Transfers {
    private Transfers() {}

    /** Idempotent: without an {@code idempotencyKey} the client makes one, reused on every retry. */
    public Transaction create(CreateTransferRequest request) {
      return call(TransferServiceGrpc.getCreateTransferMethod(), request);
    }

    public Transaction get(String id) {
      return call(TransferServiceGrpc.getGetTransferMethod(), GetTransferRequest.newBuilder().setId(id).build());
    }

    /**
     * BatchCreateTransfers: up to 1,000 transfers, each answered on its own (or all or none with
     * {@code atomic}). Idempotent: a member without an {@code idempotencyKey} gets one here, and so
     * does the batch, all reused on every retry, so a retried batch books nothing twice.
     */
    public dev.payflow.proto.v1.BatchCreateTransfersResponse createBatch(dev.payflow.proto.v1.BatchCreateTransfersRequest request) {
      dev.payflow.proto.v1.BatchCreateTransfersRequest.Builder keyed = request.toBuilder();
      for (CreateTransferRequest.Builder member : keyed.getTransfersBuilderList()) {
        if (member.getIdempotencyKey().isEmpty()) {
          member.setIdempotencyKey(Calls.newIdempotencyKey());
        }
      }
      return call(TransferServiceGrpc.getBatchCreateTransfersMethod(), keyed.build());
    }
  }

  /** LedgerService's GetTransaction. */
  public final class Transactions {
    private Transactions() {}

    public Transaction get(String id) {
      return call(LedgerServiceGrpc.getGetTransactionMethod(), GetTransactionRequest.newBuilder().setId(id).build());
    }
  }

  /** HoldService. */
  public final class Holds {
    private Holds() {}

    /** Idempotent: without an {@code idempotencyKey} the client makes one, reused on every retry. */
    public Hold create(CreateHoldRequest request) {
      return call(HoldServiceGrpc.getCreateHoldMethod(), request);
    }

    /** Idempotent like {@link #create}. */
    public Hold capture(CaptureHoldRequest request) {
      return call(HoldServiceGrpc.getCaptureHoldMethod(), request);
    }

    /** Idempotent like {@link #create}. */
    public Hold voidHold(VoidHoldRequest request) {
      return call(HoldServiceGrpc.getVoidHoldMethod(), request);
    }

    public Hold get(String id) {
      return call(HoldServiceGrpc.getGetHoldMethod(), GetHoldRequest.newBuilder().setId(id).build());
    }

    public Iterable<Hold> list(ListWalletHoldsRequest request) {
      return listAll(HoldServiceGrpc.getListWalletHoldsMethod(), request);
    }
  }

  /** PaymentService. */
  public final class Payments {
    private Payments() {}

    /** Idempotent: without an {@code idempotencyKey} the client makes one, reused on every retry. */
    public Payment create(CreatePaymentRequest request) {
      return call(PaymentServiceGrpc.getCreatePaymentMethod(), request);
    }

    /** Idempotent like {@link #create}. */
    public Payment capture(CapturePaymentRequest request) {
      return call(PaymentServiceGrpc.getCapturePaymentMethod(), request);
    }

    /** Idempotent like {@link #create}. */
    public Payment cancel(CancelPaymentRequest request) {
      return call(PaymentServiceGrpc.getCancelPaymentMethod(), request);
    }

    /** Idempotent like {@link #create}. */
    public Refund refund(RefundPaymentRequest request) {
      return call(PaymentServiceGrpc.getRefundPaymentMethod(), request);
    }

    public Payment get(String id) {
      return call(PaymentServiceGrpc.getGetPaymentMethod(), GetPaymentRequest.newBuilder().setId(id).build());
    }

    public Iterable<Payment> list(ListPaymentsRequest request) {
      return listAll(PaymentServiceGrpc.getListPaymentsMethod(), request);
    }

    public PaymentConfig config() {
      return call(PaymentServiceGrpc.getGetPaymentConfigMethod(), GetPaymentConfigRequest.getDefaultInstance());
    }
  }

  /** ConnectService: connected accounts (Stripe Connect). */
  public final class ConnectedAccounts {
    private ConnectedAccounts() {}

    public dev.payflow.proto.v1.ConnectedAccount create(dev.payflow.proto.v1.CreateConnectedAccountRequest request) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getCreateConnectedAccountMethod(), request);
    }

    public dev.payflow.proto.v1.ConnectedAccount get(String id) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getGetConnectedAccountMethod(),
          dev.payflow.proto.v1.GetConnectedAccountRequest.newBuilder().setId(id).build());
    }

    public Iterable<dev.payflow.proto.v1.ConnectedAccount> list(dev.payflow.proto.v1.ListConnectedAccountsRequest request) {
      return listAll(dev.payflow.proto.v1.ConnectServiceGrpc.getListConnectedAccountsMethod(), request);
    }

    public dev.payflow.proto.v1.ConnectedAccount update(dev.payflow.proto.v1.UpdateConnectedAccountRequest request) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getUpdateConnectedAccountMethod(), request);
    }

    /** Disconnects the account; refused while it holds money at the gateway. */
    public dev.payflow.proto.v1.ConnectedAccount disconnect(String id) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getDeleteConnectedAccountMethod(),
          dev.payflow.proto.v1.DeleteConnectedAccountRequest.newBuilder().setId(id).build());
    }

    public dev.payflow.proto.v1.OnboardingLink onboardingLink(dev.payflow.proto.v1.CreateOnboardingLinkRequest request) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getCreateOnboardingLinkMethod(), request);
    }

    public dev.payflow.proto.v1.ConnectedAccountBalance balance(String id) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getGetConnectedAccountBalanceMethod(),
          dev.payflow.proto.v1.GetConnectedAccountBalanceRequest.newBuilder().setId(id).build());
    }

    /** Stripe's authorize URL through which an existing (Standard) Stripe account connects by OAuth, and its single-use state. */
    public dev.payflow.proto.v1.ConnectOAuthUrl oauthUrl(dev.payflow.proto.v1.CreateConnectOAuthUrlRequest request) {
      return call(dev.payflow.proto.v1.ConnectServiceGrpc.getCreateConnectOAuthUrlMethod(), request);
    }
  }

  /** PayoutService. */
  public final class Payouts {
    private Payouts() {}

    /** Idempotent: without an {@code idempotencyKey} the client makes one, reused on every retry. */
    public dev.payflow.proto.v1.Payout create(dev.payflow.proto.v1.CreatePayoutRequest request) {
      return call(dev.payflow.proto.v1.PayoutServiceGrpc.getCreatePayoutMethod(), request);
    }

    public dev.payflow.proto.v1.Payout get(String id) {
      return call(dev.payflow.proto.v1.PayoutServiceGrpc.getGetPayoutMethod(),
          dev.payflow.proto.v1.GetPayoutRequest.newBuilder().setId(id).build());
    }

    public Iterable<dev.payflow.proto.v1.Payout> list(dev.payflow.proto.v1.ListPayoutsRequest request) {
      return listAll(dev.payflow.proto.v1.PayoutServiceGrpc.getListPayoutsMethod(), request);
    }

    /** Cancels until the bank has taken it (PAYOUT_NOT_CANCELLABLE after); cancelling twice is one cancel. */
    public dev.payflow.proto.v1.Payout cancel(String id) {
      return call(dev.payflow.proto.v1.PayoutServiceGrpc.getCancelPayoutMethod(),
          dev.payflow.proto.v1.CancelPayoutRequest.newBuilder().setId(id).build());
    }
  }

  /** PaymentMethodService. */
  public final class PaymentMethods {
    private PaymentMethods() {}

    /** Keeps a provider token; the same token again answers the method already kept. */
    public PaymentMethod create(CreatePaymentMethodRequest request) {
      return call(PaymentMethodServiceGrpc.getCreatePaymentMethodMethod(), request);
    }

    public PaymentMethod get(String id) {
      return call(PaymentMethodServiceGrpc.getGetPaymentMethodMethod(), GetPaymentMethodRequest.newBuilder().setId(id).build());
    }

    /** Attached ones, newest first. */
    public Iterable<PaymentMethod> list(ListPaymentMethodsRequest request) {
      return listAll(PaymentMethodServiceGrpc.getListPaymentMethodsMethod(), request);
    }

    /** Replaces {@code metadata} and {@code billingDetails}, each only if set. */
    public PaymentMethod update(UpdatePaymentMethodRequest request) {
      return call(PaymentMethodServiceGrpc.getUpdatePaymentMethodMethod(), request);
    }

    /** Detaches it (at the provider too); answers it with {@code status} {@code detached}. */
    public PaymentMethod detach(String id) {
      return call(PaymentMethodServiceGrpc.getDeletePaymentMethodMethod(), DeletePaymentMethodRequest.newBuilder().setId(id).build());
    }
  }

  /** WebhookEndpointService. */
  public final class WebhookEndpoint {
    private WebhookEndpoint() {}

    public dev.payflow.proto.v1.WebhookEndpoint get() {
      return call(WebhookEndpointServiceGrpc.getGetWebhookEndpointMethod(), GetWebhookEndpointRequest.getDefaultInstance());
    }

    /** The first put answers with the new {@code whsec_} secret, shown once. */
    public dev.payflow.proto.v1.WebhookEndpoint put(PutWebhookEndpointRequest request) {
      return call(WebhookEndpointServiceGrpc.getPutWebhookEndpointMethod(), request);
    }

    public dev.payflow.proto.v1.WebhookEndpoint rollSecret(RollWebhookSecretRequest request) {
      return call(WebhookEndpointServiceGrpc.getRollWebhookSecretMethod(), request);
    }

    public Iterable<WebhookEvent> events(ListEventsRequest request) {
      return listAll(WebhookEndpointServiceGrpc.getListEventsMethod(), request);
    }

    public WebhookEvent event(String id) {
      return call(WebhookEndpointServiceGrpc.getGetEventMethod(), GetEventRequest.newBuilder().setId(id).build());
    }

    /** Sends the event again now, with the same {@code webhook-id}. */
    public WebhookEvent replay(String eventId) {
      return call(WebhookEndpointServiceGrpc.getReplayEventMethod(), ReplayEventRequest.newBuilder().setEventId(eventId).build());
    }
  }

  /** ExportService. */
  public final class Exports {
    private Exports() {}

    /**
     * The key's mode's transactions created in {@code [from, to)}, oldest first, each as {@code
     * transactions().get} answers it: every page of the JSON-lines export (a {@code pageSize} of
     * 1..200 sets the page), fetched as the iteration goes. A window of more than one page is
     * read on several calls: transactions booked in it meanwhile are in the pages still to come.
     */
    public Iterable<Transaction> transactions(ExportTransactionsRequest request) {
      return ExportLines.of(calls, ExportServiceGrpc.getExportTransactionsMethod(), request, Transaction.getDefaultInstance());
    }
  }

  /** Builds a client; {@link #target} and {@link #apiKey} are required. */
  public static final class Builder {
    private String target;
    private String apiKey;
    private boolean plaintext = true;
    private Duration deadline = DEADLINE_DEFAULT;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private Calls.Sleeper sleeper = duration -> Thread.sleep(duration.toMillis());
    private RandomGenerator random = new SecureRandom();

    private Builder() {}

    /** {@code host:port} of PayFlow's gRPC listener, e.g. {@code localhost:9090}. */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** A partner key, {@code sk_test_...} or {@code sk_live_...}, sent as {@code authorization: Bearer}. */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (!apiKey.startsWith("sk_test_") && !apiKey.startsWith("sk_live_")) {
        throw new IllegalArgumentException("apiKey: expected a key starting with sk_test_ or sk_live_");
      }
      this.apiKey = apiKey;
      return this;
    }

    /** TLS to the target (off by default: inside a cluster, behind a mesh, or in development). */
    public Builder useTransportSecurity() {
      this.plaintext = false;
      return this;
    }

    /** The deadline of each attempt of a call (default {@link #DEADLINE_DEFAULT}). */
    public Builder deadline(Duration deadline) {
      this.deadline = requirePositive(deadline);
      return this;
    }

    public Builder retryPolicy(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /** An interceptor of every attempt (logging, tracing), run after authentication is added. */
    public Builder interceptor(ClientInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    Builder sleeper(Calls.Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    public PayFlowClient build() {
      if (target == null) {
        throw new IllegalStateException("target is required (host:port of PayFlow's gRPC listener)");
      }
      if (apiKey == null) {
        throw new IllegalStateException("apiKey is required");
      }
      NettyChannelBuilder channelBuilder = NettyChannelBuilder.forTarget(target);
      if (plaintext) {
        channelBuilder.usePlaintext();
      }
      ManagedChannel channel = channelBuilder.build();
      Metadata credentials = new Metadata();
      credentials.put(AUTHORIZATION, "Bearer " + apiKey);
      // ClientInterceptors.intercept runs the last one first: authentication, then the caller's.
      List<ClientInterceptor> chain = new ArrayList<>(interceptors);
      chain.add(MetadataUtils.newAttachHeadersInterceptor(credentials));
      Channel intercepted = ClientInterceptors.intercept(channel, chain);
      return new PayFlowClient(channel, new Calls(intercepted, deadline, retry, sleeper, random));
    }
  }

  private static Duration requirePositive(Duration deadline) {
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
    }
    return deadline;
  }
}
