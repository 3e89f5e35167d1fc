package dev.payflow.core.gateway;

import com.paypal.sdk.Environment;
import com.paypal.sdk.PaypalServerSdkClient;
import com.paypal.sdk.authentication.ClientCredentialsAuthModel;
import com.paypal.sdk.exceptions.ApiException;
import com.paypal.sdk.exceptions.ErrorException;
import com.paypal.sdk.models.AmountWithBreakdown;
import com.paypal.sdk.models.AuthorizationStatus;
import com.paypal.sdk.models.AuthorizationWithAdditionalData;
import com.paypal.sdk.models.AuthorizeOrderInput;
import com.paypal.sdk.models.CaptureAuthorizedPaymentInput;
import com.paypal.sdk.models.CaptureOrderInput;
import com.paypal.sdk.models.CaptureStatus;
import com.paypal.sdk.models.CheckoutPaymentIntent;
import com.paypal.sdk.models.CreateOrderInput;
import com.paypal.sdk.models.GetOrderInput;
import com.paypal.sdk.models.LinkDescription;
import com.paypal.sdk.models.Order;
import com.paypal.sdk.models.OrderRequest;
import com.paypal.sdk.models.OrderStatus;
import com.paypal.sdk.models.OrdersCapture;
import com.paypal.sdk.models.PaymentCollection;
import com.paypal.sdk.models.PaymentSource;
import com.paypal.sdk.models.PaypalWallet;
import com.paypal.sdk.models.PaypalWalletExperienceContext;
import com.paypal.sdk.models.PurchaseUnit;
import com.paypal.sdk.models.PurchaseUnitRequest;
import com.paypal.sdk.models.RefundCapturedPaymentInput;
import com.paypal.sdk.models.RefundRequest;
import com.paypal.sdk.models.VoidPaymentInput;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * PayPal through its server SDK (com.paypal.sdk:paypal-server-sdk, Orders v2 and Payments v2): one
 * client per mode (sandbox or live credentials). A PayFlow payment is one PayPal order; the
 * order's id is the payment's {@code providerPaymentId}, and its authorization and capture are
 * found on the order when they are needed, so every call starts from what PayPal holds.
 *
 * <ul>
 *   <li>{@code paymentMethod} {@value #PAYER_APPROVES} asks the payer to approve on PayPal: the
 *       order answers {@code PAYER_ACTION_REQUIRED} and the payment is {@code requires_action} with
 *       {@code nextAction.redirectUrl} (the order's {@code payer-action} or {@code approve} link).
 *       Once the payer has approved, the next look at the order (a retrieve by recovery, a webhook)
 *       captures or authorizes it with the key {@code <pmt_id>:capture} / {@code <pmt_id>:authorize}.</li>
 *   <li>Any other {@code paymentMethod} is a PayPal vault token (a payer who saved PayPal with
 *       the partner): the order needs no approval and is captured or authorized at once.</li>
 * </ul>
 *
 * <p>Every POST carries {@code PayPal-Request-Id} from our ids and the operation, so the SDK's
 * retries (network errors, 429, 5xx) and ours never act twice. PayPal's own retention of those ids
 * is shorter than Stripe's keys: {@link #requestKeyWindow()}.
 */
public final class PayPalPayments implements PaymentProvider {
    public static final String NAME = "paypal";
    /** The {@code paymentMethod} of a payment the payer approves on PayPal (no vault token). */
    public static final String PAYER_APPROVES = "paypal";
    /** PayPal's two API hosts: the SDK has no base-URL setting, so these are rewritten to the configured base. */
    static final Set<String> PAYPAL_HOSTS = Set.of("api-m.paypal.com", "api-m.sandbox.paypal.com");
    /** PayPal answers an order call within seconds; past this the outcome is unknown and recovery asks PayPal later. */
    static final long TIMEOUT_SECONDS = 30;
    /** Retries of one call (with the same PayPal-Request-Id): two keep one call under ~2 minutes at worst. */
    static final int NETWORK_RETRIES = 2;
    /**
     * PayPal's Orders API reference keeps a {@code PayPal-Request-Id} for 6 hours (Stripe keeps a
     * key 24 h): a create is re-sent with its id only within this window, an hour short of that.
     */
    public static final Duration REQUEST_ID_WINDOW = Duration.ofHours(5);

    private final PaypalServerSdkClient client;
    /** The SDK's own HTTP client (rerouted, retried): our calls the SDK has no controller for go through it too. */
    private final OkHttpClient http;
    private final boolean live;
    /** The OAuth token of our own calls, fetched through the SDK's client-credentials flow and kept until it expires. */
    private volatile com.paypal.sdk.models.OAuthToken ownToken;
    private final Set<String> settlementCurrencies;
    private final CircuitBreaker breaker;

    /**
     * @param apiBase another API base than PayPal's (development only: a local fake, the tests' WireMock)
     * @param live    PayPal's live environment, else its sandbox
     */
    public PayPalPayments(String clientId, String clientSecret, boolean live, Optional<String> apiBase, Set<String> settlementCurrencies,
            CircuitBreaker breaker) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        Objects.requireNonNull(apiBase, "apiBase");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.settlementCurrencies = Set.copyOf(settlementCurrencies);
        OkHttpClient.Builder http = new OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .readTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .callTimeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        apiBase.map(URI::create).ifPresent(base -> http.addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                .url(rerouted(chain.request().url(), base)).build())));
        http.addInterceptor(PayPalPayments::retried);
        this.http = http.build();
        this.live = live;
        this.client = new PaypalServerSdkClient.Builder()
                .environment(live ? Environment.PRODUCTION : Environment.SANDBOX)
                .clientCredentialsAuth(new ClientCredentialsAuthModel.Builder(clientId, clientSecret).build())
                // false: our client as it is. The SDK's own retry interceptor finds its requests by identity, so it
                // cannot follow a request our rerouting interceptor rewrote; our retry interceptor (after it) does that work.
                .httpClientConfig(config -> config.httpClientInstance(this.http, false))
                .build();
    }

    /** Long enough for a TLS handshake over a slow link. */
    static final int CONNECT_TIMEOUT_MS = 5_000;
    /** One call with its retries and their waits stays under this. */
    static final long CALL_TIMEOUT_SECONDS = 100;
    /** The HTTP statuses that say nothing about what PayPal did, so the same request is sent again. */
    static final Set<Integer> RETRIED_STATUSES = Set.of(408, 429, 500, 502, 503, 504);
    /** The first wait before a retry; each further wait doubles it. */
    static final long RETRY_WAIT_MS = 500;

    /**
     * Sends the request again, unchanged (the same PayPal-Request-Id, so PayPal acts at most once),
     * after a network error or a status in {@link #RETRIED_STATUSES}, at most {@value #NETWORK_RETRIES} times.
     */
    private static okhttp3.Response retried(okhttp3.Interceptor.Chain chain) throws IOException {
        okhttp3.Request request = chain.request();
        IOException lastError = null;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(RETRY_WAIT_MS << (attempt - 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting to retry PayPal");
                }
            }
            try {
                okhttp3.Response response = chain.proceed(request);
                if (!RETRIED_STATUSES.contains(response.code()) || attempt == NETWORK_RETRIES) {
                    return response;
                }
                response.close();
            } catch (IOException e) {
                lastError = e;
                if (attempt == NETWORK_RETRIES) {
                    throw lastError;
                }
            }
        }
    }

    /** A request to PayPal's host, sent to the configured base instead (scheme, host, port, and any path prefix). */
    static HttpUrl rerouted(HttpUrl url, URI base) {
        if (!PAYPAL_HOSTS.contains(url.host())) {
            return url;
        }
        String prefix = Objects.requireNonNullElse(base.getRawPath(), "").replaceAll("/+$", "");
        HttpUrl.Builder builder = url.newBuilder().scheme(base.getScheme()).host(base.getHost())
                .port(base.getPort() > 0 ? base.getPort() : HttpUrl.defaultPort(base.getScheme()));
        if (!prefix.isEmpty()) {
            builder.encodedPath(prefix + url.encodedPath());
        }
        return builder.build();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** PayPal needs no publishable key from PayFlow: the partner's app uses PayPal's own client id. */
    @Override
    public String publishableKey() {
        return "";
    }

    @Override
    public boolean settles(String currencyCode) {
        return settlementCurrencies.contains(currencyCode);
    }

    @Override
    public Duration requestKeyWindow() {
        return REQUEST_ID_WINDOW;
    }

    /**
     * A PayPal order the payer has not approved expires at PayPal (its approve link stops working
     * after hours); past this, recovery cancels the payment.
     */
    public static final Duration APPROVAL_WINDOW = Duration.ofHours(3);

    @Override
    public Duration approvalWindow() {
        return APPROVAL_WINDOW;
    }

    @Override
    public boolean acceptsCalls() {
        CircuitBreaker.State state = breaker.getState();
        if (state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN) {
            return true;
        }
        if (breaker.tryAcquirePermission()) {
            breaker.releasePermission();
            return true;
        }
        return false;
    }

    // --- Calls ------------------------------------------------------------------------------------

    @Override
    public CallOutcome createPayment(CreatePayment call) {
        return guardedCall(() -> create(call));
    }

    private CallOutcome create(CreatePayment call) {
        PurchaseUnitRequest.Builder unit = new PurchaseUnitRequest.Builder(new AmountWithBreakdown.Builder(
                call.amount().currency().code(), call.amount().format()).build())
                // custom_id leads PayPal's objects and events back to our payment; reference_id is PayPal's per-unit name.
                .customId(call.paymentId())
                .referenceId(call.paymentId());
        if (!call.description().isEmpty()) {
            unit.description(call.description().length() > DESCRIPTION_LENGTH_MAX
                    ? call.description().substring(0, DESCRIPTION_LENGTH_MAX) : call.description());
        }
        PaypalWallet.Builder wallet = new PaypalWallet.Builder();
        if (call.paymentMethod().equals(PAYER_APPROVES)) {
            PaypalWalletExperienceContext.Builder experience = new PaypalWalletExperienceContext.Builder();
            call.returnUrl().ifPresent(url -> experience.returnUrl(url).cancelUrl(url));
            wallet.experienceContext(experience.build());
        } else {
            wallet.vaultId(call.paymentMethod());
        }
        OrderRequest order = new OrderRequest.Builder(call.capture() ? CheckoutPaymentIntent.CAPTURE : CheckoutPaymentIntent.AUTHORIZE,
                List.of(unit.build()))
                .paymentSource(new PaymentSource.Builder().paypal(wallet.build()).build())
                .build();
        return completing(Optional.of(call.paymentId()), () -> client.getOrdersController().createOrder(new CreateOrderInput.Builder()
                .body(order).paypalRequestId(call.idempotencyKey()).prefer(RETURN_REPRESENTATION).build()).getResult());
    }

    /** A payment's description on PayPal's purchase unit is at most 127 characters (ours up to 500: the rest is ours alone). */
    static final int DESCRIPTION_LENGTH_MAX = 127;
    private static final String RETURN_REPRESENTATION = "return=representation";

    @Override
    public CallOutcome retrievePayment(String providerPaymentId) {
        return guardedCall(() -> completing(Optional.empty(), () -> order(providerPaymentId)));
    }

    /**
     * PayPal keeps no search by our id; an order's id is known from our own create's answer,
     * so a payment without one is looked for by re-sending its create (within {@link #requestKeyWindow()}).
     */
    @Override
    public CallOutcome findPayment(String paymentId) {
        return new CallOutcome.Refused("not_found", "PayPal has no search by custom_id: no order is known for " + paymentId,
                Optional.empty(), "{}");
    }

    /**
     * Answers the order the call gives, after capturing or authorizing it if it is approved (by
     * the payer, or at once for a vault token), with the PayPal-Request-Id from our payment's id
     * ({@code paymentId}, else the order's {@code custom_id}): {@code <pmt_id>:capture}
     * or {@code <pmt_id>:authorize}: whoever sees it approved first (our create, recovery, a
     * webhook) does it, and PayPal does it once. A capture PayPal declines (422
     * {@code INSTRUMENT_DECLINED}) is a refusal that names the order.
     */
    private CallOutcome completing(Optional<String> paymentId, OrderCall call) {
        Order order;
        try {
            order = call.call();
        } catch (ApiException | IOException | RuntimeException e) {
            return orderCall(() -> {
                throw e;
            });
        }
        if (order.getStatus() != OrderStatus.APPROVED) {
            return new CallOutcome.Answered(payment(order));
        }
        return completeApproved(order, paymentId.or(() -> customId(order)).orElse(order.getId()));
    }

    private CallOutcome completeApproved(Order approved, String paymentId) {
        String orderId = approved.getId();
        CallOutcome completed = orderCall(() -> {
            if (approved.getIntent() == CheckoutPaymentIntent.AUTHORIZE) {
                client.getOrdersController().authorizeOrder(new AuthorizeOrderInput.Builder().id(orderId)
                        .paypalRequestId(paymentId + ":authorize").prefer(RETURN_REPRESENTATION).build());
                return client.getOrdersController().getOrder(new GetOrderInput.Builder().id(orderId).build()).getResult();
            }
            return client.getOrdersController().captureOrder(new CaptureOrderInput.Builder().id(orderId)
                    .paypalRequestId(paymentId + ":capture").prefer(RETURN_REPRESENTATION).build()).getResult();
        });
        if (completed instanceof CallOutcome.Refused refused) {
            return new CallOutcome.Refused(refused.code(), refused.message(), Optional.of(orderId), refused.errorJson());
        }
        return completed;
    }

    /** Captures an approved CAPTURE order, or the authorization of an AUTHORIZE order, in full. */
    @Override
    public CallOutcome capturePayment(String providerPaymentId, String idempotencyKey) {
        return guardedCall(() -> orderCall(() -> {
            Order order = order(providerPaymentId);
            Optional<AuthorizationWithAdditionalData> authorization = authorization(order);
            if (authorization.isPresent()) {
                client.getPaymentsController().captureAuthorizedPayment(new CaptureAuthorizedPaymentInput.Builder()
                        .authorizationId(authorization.get().getId()).paypalRequestId(idempotencyKey).prefer(RETURN_REPRESENTATION).build());
                return order(providerPaymentId);
            }
            return client.getOrdersController().captureOrder(new CaptureOrderInput.Builder().id(providerPaymentId)
                    .paypalRequestId(idempotencyKey).prefer(RETURN_REPRESENTATION).build()).getResult();
        }));
    }

    /**
     * Voids the authorization of an authorized order. An order the payer has not approved yet has
     * nothing to void at PayPal (it expires by itself): it is answered as cancelled.
     */
    @Override
    public CallOutcome cancelPayment(String providerPaymentId, String idempotencyKey) {
        return guardedCall(() -> {
            CallOutcome seen = orderCall(() -> {
                Order order = order(providerPaymentId);
                Optional<AuthorizationWithAdditionalData> authorization = authorization(order);
                if (authorization.isPresent()) {
                    client.getPaymentsController().voidPayment(new VoidPaymentInput.Builder().authorizationId(authorization.get().getId())
                            .paypalRequestId(idempotencyKey).prefer(RETURN_REPRESENTATION).build());
                    return order(providerPaymentId);
                }
                return order;
            });
            if (seen instanceof CallOutcome.Answered answered && answered.payment().status() == PaymentStatus.REQUIRES_ACTION) {
                ProviderPayment open = answered.payment();
                return new CallOutcome.Answered(new ProviderPayment(open.providerPaymentId(), PaymentStatus.CANCELLED, Optional.empty(),
                        Optional.empty(), Optional.empty(), open.objectType(), open.objectJson()));
            }
            return seen;
        });
    }

    /** Refunds part or all of the order's capture, in the capture's currency. */
    @Override
    public RefundOutcome refund(String providerPaymentId, long amountMinor, String reason, Map<String, String> metadata,
            String idempotencyKey) {
        return guarded(() -> createRefund(providerPaymentId, amountMinor, metadata, idempotencyKey),
                outcome -> outcome instanceof RefundOutcome.Unknown,
                () -> new RefundOutcome.Unknown("the circuit breaker is open: PayPal has been failing"));
    }

    private RefundOutcome createRefund(String providerPaymentId, long amountMinor, Map<String, String> metadata, String idempotencyKey) {
        try {
            Optional<OrdersCapture> capture = capture(order(providerPaymentId));
            if (capture.isEmpty()) {
                return new RefundOutcome.Refused("not_captured", "PayPal order " + providerPaymentId + " has no capture to refund");
            }
            String currency = capture.get().getAmount().getCurrencyCode();
            RefundRequest.Builder request = new RefundRequest.Builder()
                    .amount(new com.paypal.sdk.models.Money.Builder(currency, new Money(amountMinor, CurrencyUnit.of(currency)).format()).build());
            Optional.ofNullable(metadata.get("payflow_refund_id")).ifPresent(request::customId);
            com.paypal.sdk.models.Refund refund = client.getPaymentsController().refundCapturedPayment(new RefundCapturedPaymentInput.Builder()
                    .captureId(capture.get().getId()).body(request.build()).paypalRequestId(idempotencyKey).prefer(RETURN_REPRESENTATION)
                    .build()).getResult();
            String status = refund.getStatus() == null ? "pending" : switch (refund.getStatus()) {
                case COMPLETED -> "succeeded";
                case FAILED, CANCELLED -> "failed";
                default -> "pending";
            };
            return new RefundOutcome.Answered(refund.getId(), status, json(refund));
        } catch (ErrorException refused) {
            if (unknown(refused.getResponseCode())) {
                return new RefundOutcome.Unknown("PayPal answered " + refused.getResponseCode() + ": " + refused.getMessage());
            }
            return new RefundOutcome.Refused(code(refused), message(refused));
        } catch (ApiException | IOException | RuntimeException unknown) {
            return new RefundOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        }
    }

    // --- The fee ------------------------------------------------------------------------------------

    /**
     * PayPal's fee on the order's capture: {@code seller_receivable_breakdown.paypal_fee}, which
     * PayPal fills in once the capture is {@code COMPLETED} (a pending capture has none yet). The
     * capture's id stands for the fee's record, as Stripe's balance transaction does.
     */
    @Override
    public FeeOutcome feeOf(String providerPaymentId) {
        if (!acceptsCalls()) {
            return new FeeOutcome.NotYet("the circuit breaker is open: PayPal has been failing");
        }
        try {
            Optional<OrdersCapture> capture = capture(order(providerPaymentId));
            if (capture.isEmpty() || capture.get().getSellerReceivableBreakdown() == null) {
                return new FeeOutcome.NotYet("PayPal shows no seller_receivable_breakdown on order " + providerPaymentId + " yet");
            }
            com.paypal.sdk.models.Money fee = capture.get().getSellerReceivableBreakdown().getPaypalFee();
            if (fee == null || fee.getValue() == null || fee.getCurrencyCode() == null) {
                // A breakdown without a fee: PayPal charged none on this capture.
                return new FeeOutcome.Known(capture.get().getId(), 0, capture.get().getAmount().getCurrencyCode(), json(capture.get()));
            }
            // Money parses positive amounts only: PayPal writes no fee as "0.00".
            long feeMinor = fee.getValue().matches("0+(\\.0+)?") ? 0
                    : Money.parsePositive(fee.getValue(), CurrencyUnit.of(fee.getCurrencyCode())).minorUnits();
            return new FeeOutcome.Known(capture.get().getId(), feeMinor, fee.getCurrencyCode(), json(capture.get()));
        } catch (ApiException | IOException | RuntimeException e) {
            return new FeeOutcome.NotYet(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    // --- Vault payment tokens ---------------------------------------------------------------------

    /**
     * A PayPal vault payment token becomes a payment method: PayPal's Vault API
     * ({@code GET /v3/vault/payment-tokens/{id}}, the SDK's VaultController) shows it; only a
     * PayPal wallet token is taken (a card vaulted at PayPal is charged through another payment
     * source than {@code paypal.vault_id}, which PayFlow does not send). Nothing is changed at
     * PayPal: the token already belongs to the customer PayPal shows, which the method keeps.
     */
    @Override
    public MethodOutcome attachPaymentMethod(String providerToken, Optional<String> customer) {
        return guarded(() -> showToken(providerToken), outcome -> outcome instanceof MethodOutcome.Unknown,
                () -> new MethodOutcome.Unknown("the circuit breaker is open: PayPal has been failing"));
    }

    private MethodOutcome showToken(String providerToken) {
        try {
            com.paypal.sdk.models.PaymentTokenResponse token = client.getVaultController().getPaymentToken(providerToken).getResult();
            if (token.getPaymentSource() == null || token.getPaymentSource().getPaypal() == null) {
                return new MethodOutcome.Refused("not_a_paypal_wallet", "PayPal vault token " + providerToken
                        + " is not a PayPal wallet (a card or another wallet vaulted at PayPal cannot be charged as paypal)");
            }
            Optional<String> owner = Optional.ofNullable(token.getCustomer()).map(com.paypal.sdk.models.CustomerResponse::getId)
                    .filter(id -> !id.isEmpty());
            // PayPal vaults a wallet only after the payer logged in and agreed: PayPal has checked it.
            return new MethodOutcome.Answered(new ProviderPaymentMethod("paypal", Optional.empty(), true, owner));
        } catch (ErrorException refused) {
            if (unknown(refused.getResponseCode())) {
                return new MethodOutcome.Unknown("PayPal answered " + refused.getResponseCode() + ": " + refused.getMessage());
            }
            return new MethodOutcome.Refused(code(refused), message(refused));
        } catch (ApiException refused) {
            if (unknown(refused.getResponseCode())) {
                return new MethodOutcome.Unknown("PayPal answered " + refused.getResponseCode() + ": " + refused.getMessage());
            }
            return new MethodOutcome.Refused(refused.getResponseCode() == 404 ? "resource_not_found" : "gateway_error",
                    Objects.requireNonNullElse(refused.getMessage(), "PayPal refused the request"));
        } catch (IOException | RuntimeException unknown) {
            return new MethodOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        }
    }

    /**
     * Deletes the vault token at PayPal ({@code DELETE /v3/vault/payment-tokens/{id}}): the payer's
     * saved PayPal is gone for the partner. A token PayPal no longer has (404) is as good as deleted.
     */
    @Override
    public MethodOutcome detachPaymentMethod(String providerToken) {
        return guarded(() -> deleteToken(providerToken), outcome -> outcome instanceof MethodOutcome.Unknown,
                () -> new MethodOutcome.Unknown("the circuit breaker is open: PayPal has been failing"));
    }

    private MethodOutcome deleteToken(String providerToken) {
        MethodOutcome gone = new MethodOutcome.Answered(new ProviderPaymentMethod("paypal", Optional.empty(), true, Optional.empty()));
        try {
            client.getVaultController().deletePaymentToken(providerToken);
            return gone;
        } catch (ApiException refused) {
            if (refused.getResponseCode() == 404) {
                return gone;
            }
            if (unknown(refused.getResponseCode())) {
                return new MethodOutcome.Unknown("PayPal answered " + refused.getResponseCode() + ": " + refused.getMessage());
            }
            return new MethodOutcome.Refused(refused instanceof ErrorException error ? code(error) : "gateway_error",
                    refused instanceof ErrorException error ? message(error) : Objects.requireNonNullElse(refused.getMessage(), "PayPal refused"));
        } catch (IOException | RuntimeException unknown) {
            return new MethodOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        }
    }

    // --- Webhook signatures -------------------------------------------------------------------------

    /** What PayPal said of a delivery: genuine ({@code SUCCESS}), not genuine, or nothing we can rely on. */
    public enum Verdict {
        VERIFIED,
        FORGED,
        UNVERIFIABLE
    }

    /** PayPal's verdict and, when it is not {@link Verdict#VERIFIED}, why (for the log; never the body). */
    public record Verification(Verdict verdict, String why) {
    }

    /** PayPal's answer to a verification is a few hundred bytes; more is not that answer. */
    static final int VERIFICATION_ANSWER_BYTES_MAX = 16 * 1024;
    private static final okhttp3.MediaType JSON = okhttp3.MediaType.get("application/json");

    /**
     * Asks PayPal whether a webhook delivery is genuine: {@code POST /v1/notifications/verify-webhook-signature}
     * (the SDK has no controller for it) with the headers, the webhook id, and the raw body
     * embedded unchanged as {@code webhook_event}: PayPal checks its signature over the exact
     * bytes it sent, so a re-serialised event (other key order, other number forms) would fail.
     * The call goes through the SDK's HTTP client (rerouted to the configured base, retried) with
     * a token from the SDK's client-credentials flow.
     *
     * @param rawJson the body exactly as received; it must be JSON for PayPal to read the request at all
     */
    public Verification verifyWebhook(String webhookId, dev.payflow.core.domain.PayPalTransmission transmission, String rawJson) {
        Objects.requireNonNull(webhookId, "webhookId");
        Objects.requireNonNull(rawJson, "rawJson");
        com.google.gson.JsonObject fields = new com.google.gson.JsonObject();
        fields.addProperty("auth_algo", transmission.authAlgo().orElse(""));
        fields.addProperty("cert_url", transmission.certUrl().orElse(""));
        fields.addProperty("transmission_id", transmission.id().orElse(""));
        fields.addProperty("transmission_sig", transmission.signature().orElse(""));
        fields.addProperty("transmission_time", transmission.time().orElse(""));
        fields.addProperty("webhook_id", webhookId);
        String head = fields.toString();
        // The raw body spliced in as it came: the last field of the object, after the others.
        String body = head.substring(0, head.length() - 1) + ",\"webhook_event\":" + rawJson + "}";
        String token;
        try {
            token = accessToken();
        } catch (ApiException | IOException | RuntimeException e) {
            return new Verification(Verdict.UNVERIFIABLE, "no OAuth token from PayPal: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        okhttp3.Request request = new okhttp3.Request.Builder()
                .url((live ? "https://api-m.paypal.com" : "https://api-m.sandbox.paypal.com") + "/v1/notifications/verify-webhook-signature")
                .header("Authorization", "Bearer " + token)
                .post(okhttp3.RequestBody.create(body, JSON))
                .build();
        try (okhttp3.Response response = http.newCall(request).execute()) {
            okhttp3.ResponseBody answer = response.body();
            String text = "";
            if (answer != null) {
                okio.BufferedSource source = answer.source();
                // Buffers up to one byte more than the bound, or to the end: a longer answer is not PayPal's verification.
                source.request(VERIFICATION_ANSWER_BYTES_MAX + 1L);
                if (source.getBuffer().size() > VERIFICATION_ANSWER_BYTES_MAX) {
                    return new Verification(Verdict.UNVERIFIABLE, "PayPal's verification answer is over " + VERIFICATION_ANSWER_BYTES_MAX + " bytes");
                }
                text = source.getBuffer().readUtf8();
            }
            if (response.code() == 401) {
                ownToken = null;
            }
            if (!response.isSuccessful()) {
                return new Verification(Verdict.UNVERIFIABLE, "PayPal answered " + response.code() + " to the verification");
            }
            String status = com.google.gson.JsonParser.parseString(text).getAsJsonObject().get("verification_status").getAsString();
            return "SUCCESS".equals(status) ? new Verification(Verdict.VERIFIED, "")
                    : new Verification(Verdict.FORGED, "PayPal's verification_status is " + status);
        } catch (IOException e) {
            return new Verification(Verdict.UNVERIFIABLE, "PayPal did not answer the verification: " + e.getClass().getSimpleName() + ": "
                    + e.getMessage());
        } catch (RuntimeException e) {
            // Not JSON, no verification_status: an answer we cannot read says nothing about the event.
            return new Verification(Verdict.UNVERIFIABLE, "PayPal's verification answer is unreadable: " + e.getClass().getSimpleName());
        }
    }

    /** A token from the SDK's client-credentials flow, fetched once and again when it expires (or PayPal refused it). */
    private String accessToken() throws ApiException, IOException {
        com.paypal.sdk.models.OAuthToken token = ownToken;
        if (token == null || client.getClientCredentialsAuth().isTokenExpired(token)) {
            token = client.getClientCredentialsAuth().fetchToken();
            ownToken = token;
        }
        return token.getAccessToken();
    }

    // --- The SDK's answers in our words -----------------------------------------------------------

    @FunctionalInterface
    private interface OrderCall {
        Order call() throws ApiException, IOException;
    }

    private Order order(String orderId) throws ApiException, IOException {
        return client.getOrdersController().getOrder(new GetOrderInput.Builder().id(orderId).build()).getResult();
    }

    /** A call that answers an order: PayPal's 4xx is a refusal (nothing was charged), anything else unknown. */
    private static CallOutcome orderCall(OrderCall call) {
        try {
            return new CallOutcome.Answered(payment(call.call()));
        } catch (ErrorException refused) {
            if (unknown(refused.getResponseCode())) {
                return new CallOutcome.Unknown("PayPal answered " + refused.getResponseCode() + ": " + refused.getMessage());
            }
            return new CallOutcome.Refused(code(refused), message(refused), Optional.empty(), errorJson(refused));
        } catch (ApiException refused) {
            if (unknown(refused.getResponseCode())) {
                return new CallOutcome.Unknown("PayPal answered " + refused.getResponseCode() + ": " + refused.getMessage());
            }
            return new CallOutcome.Refused("gateway_error", Objects.requireNonNullElse(refused.getMessage(), "PayPal refused the request"),
                    Optional.empty(), "{}");
        } catch (IOException | RuntimeException unknown) {
            // Timeouts, resets, or an answer the SDK cannot read: the order may or may not exist.
            return new CallOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        }
    }

    /** A status that says nothing about what PayPal did: no answer (0), a timeout, 429, 5xx. */
    private static boolean unknown(int status) {
        return status == 0 || status == 408 || status == 429 || status >= 500;
    }

    static ProviderPayment payment(Order order) {
        PaymentStatus status = status(order);
        Optional<Payment.NextAction> nextAction = status != PaymentStatus.REQUIRES_ACTION ? Optional.empty()
                : Optional.of(new Payment.NextAction("redirect_to_url", approveLink(order)));
        Optional<String> failureCode = Optional.empty();
        Optional<String> failureMessage = Optional.empty();
        if (status == PaymentStatus.FAILED) {
            failureCode = Optional.of("capture_declined");
            failureMessage = Optional.of("PayPal declined the capture of order " + order.getId());
        }
        return new ProviderPayment(order.getId(), status, nextAction, failureCode, failureMessage, "order", json(order));
    }

    /**
     * An order's status in our words. A completed order is what its capture or authorization
     * says; one that waits for the payer is {@code requires_action}; an approved one is about to
     * be captured or authorized ({@code processing}).
     */
    static PaymentStatus status(Order order) {
        OrderStatus status = Objects.requireNonNullElse(order.getStatus(), OrderStatus._UNKNOWN);
        Optional<OrdersCapture> capture = capture(order);
        if (capture.isPresent()) {
            CaptureStatus captured = Objects.requireNonNullElse(capture.get().getStatus(), CaptureStatus._UNKNOWN);
            return switch (captured) {
                // A refund does not change the payment's status here: PayFlow's own refunds do.
                case COMPLETED, PARTIALLY_REFUNDED, REFUNDED -> PaymentStatus.SUCCEEDED;
                case DECLINED, FAILED -> PaymentStatus.FAILED;
                default -> PaymentStatus.PROCESSING;
            };
        }
        Optional<AuthorizationWithAdditionalData> authorization = authorizations(order).stream().findFirst();
        if (authorization.isPresent()) {
            AuthorizationStatus authorized = Objects.requireNonNullElse(authorization.get().getStatus(), AuthorizationStatus._UNKNOWN);
            return switch (authorized) {
                case CREATED -> PaymentStatus.REQUIRES_CAPTURE;
                case VOIDED -> PaymentStatus.CANCELLED;
                case DENIED -> PaymentStatus.FAILED;
                default -> PaymentStatus.PROCESSING;
            };
        }
        return switch (status) {
            case CREATED, PAYER_ACTION_REQUIRED -> PaymentStatus.REQUIRES_ACTION;
            case APPROVED, SAVED -> PaymentStatus.PROCESSING;
            case VOIDED -> PaymentStatus.CANCELLED;
            default -> PaymentStatus.PENDING;
        };
    }

    /** Where the payer approves: the {@code payer-action} link (an order with a payment source) or the {@code approve} link. */
    static Optional<String> approveLink(Order order) {
        List<LinkDescription> links = Objects.requireNonNullElse(order.getLinks(), List.of());
        for (String rel : List.of("payer-action", "approve")) {
            Optional<String> href = links.stream().filter(link -> rel.equals(link.getRel())).map(LinkDescription::getHref)
                    .filter(Objects::nonNull).findFirst();
            if (href.isPresent()) {
                return href;
            }
        }
        return Optional.empty();
    }

    private static Optional<PaymentCollection> payments(Order order) {
        return Objects.requireNonNullElse(order.getPurchaseUnits(), List.<PurchaseUnit>of()).stream().findFirst()
                .map(PurchaseUnit::getPayments);
    }

    private static Optional<OrdersCapture> capture(Order order) {
        return payments(order).map(PaymentCollection::getCaptures).orElse(List.of()).stream().findFirst();
    }

    private static List<AuthorizationWithAdditionalData> authorizations(Order order) {
        return payments(order).map(PaymentCollection::getAuthorizations).orElse(List.of());
    }

    /** The authorization still to capture or void, if the order has one and no capture yet. */
    private static Optional<AuthorizationWithAdditionalData> authorization(Order order) {
        if (capture(order).isPresent()) {
            return Optional.empty();
        }
        return authorizations(order).stream().filter(a -> a.getStatus() == AuthorizationStatus.CREATED).findFirst();
    }

    private static Optional<String> customId(Order order) {
        return Objects.requireNonNullElse(order.getPurchaseUnits(), List.<PurchaseUnit>of()).stream().findFirst()
                .map(PurchaseUnit::getCustomId).filter(id -> !id.isEmpty());
    }

    /** PayPal's issue (e.g. {@code INSTRUMENT_DECLINED}) in lower case, as Stripe's codes are; else its error name. */
    private static String code(ErrorException e) {
        if (e.getDetails() != null && !e.getDetails().isEmpty() && e.getDetails().get(0).getIssue() != null) {
            return e.getDetails().get(0).getIssue().toLowerCase(Locale.ROOT);
        }
        return e.getName() != null ? e.getName().toLowerCase(Locale.ROOT) : "gateway_error";
    }

    private static String message(ErrorException e) {
        if (e.getDetails() != null && !e.getDetails().isEmpty() && e.getDetails().get(0).getDescription() != null) {
            return e.getDetails().get(0).getDescription();
        }
        return Objects.requireNonNullElse(e.getMessageField(), "PayPal refused the request");
    }

    private static String errorJson(ErrorException e) {
        return "{\"name\":" + quoted(e.getName()) + ",\"issue\":" + quoted(code(e)) + ",\"debug_id\":" + quoted(e.getDebugId()) + "}";
    }

    private static String quoted(String text) {
        return text == null ? "null" : json(text);
    }

    private static String json(Object object) {
        try {
            return io.apimatic.core.utilities.CoreHelper.serialize(object);
        } catch (IOException e) {
            return "{}";
        }
    }

    // --- The circuit breaker ------------------------------------------------------------------------

    /** One call through the breaker: refused at once while it is open, counted as failed when its outcome is unknown. */
    private <T> T guarded(Supplier<T> call, Predicate<T> unknown, Supplier<T> refused) {
        if (!breaker.tryAcquirePermission()) {
            return refused.get();
        }
        long started = System.nanoTime();
        T outcome = call.get();
        long took = System.nanoTime() - started;
        if (unknown.test(outcome)) {
            breaker.onError(took, TimeUnit.NANOSECONDS, new IOException("PayPal's answer is unknown"));
        } else {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    private CallOutcome guardedCall(Supplier<CallOutcome> call) {
        return guarded(call, outcome -> outcome instanceof CallOutcome.Unknown,
                () -> new CallOutcome.Unknown("the circuit breaker is open: PayPal has been failing"));
    }
}
