package dev.payflow.core.gateway;

import com.stripe.StripeClient;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.CardException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.model.StripeError;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCreateParams;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Stripe through stripe-java: one {@link StripeClient} per mode (test or live key). Each call has
 * a connect and a read timeout; stripe-java retries network errors, 409s and 5xx with backoff,
 * always with the same idempotency key (ours, {@code <pmt_id>:create}), so a retry never charges
 * twice.
 */
public final class StripePayments implements PaymentProvider {
    public static final String NAME = "stripe";
    /** Long enough for a TLS handshake over a slow link; a connect that takes longer will not succeed. */
    static final int CONNECT_TIMEOUT_MS = 5_000;
    /**
     * Stripe answers a confirm within seconds; 3-D Secure is not waited for here (it comes back
     * as requires_action). Past this, the outcome is unknown and recovery asks Stripe later.
     */
    static final int READ_TIMEOUT_MS = 30_000;
    /** stripe-java's own retries (network errors, 409, 5xx, with backoff and the same key): two keeps one call under ~2 minutes at worst. */
    static final int NETWORK_RETRIES = 2;

    private final StripeClient client;
    private final String publishableKey;
    private final Set<String> settlementCurrencies;
    private final CircuitBreaker breaker;

    /**
     * The circuit breaker of one mode's Stripe: it opens when at least half of the last
     * {@value #BREAKER_WINDOW_CALLS} calls (and at least {@value #BREAKER_MINIMUM_CALLS}) ended
     * unknown (network errors, timeouts, 429, 5xx, after stripe-java's retries), stays open for
     * {@link #BREAKER_OPEN_FOR}, then lets {@value #BREAKER_HALF_OPEN_CALLS} trial calls through.
     * Declines and other refusals are Stripe answering: they count as successes.
     */
    public static CircuitBreakerConfig breakerConfig(java.time.Clock clock) {
        return CircuitBreakerConfig.custom()
                .slidingWindow(BREAKER_WINDOW_CALLS, BREAKER_MINIMUM_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .waitDurationInOpenState(BREAKER_OPEN_FOR)
                .permittedNumberOfCallsInHalfOpenState(BREAKER_HALF_OPEN_CALLS)
                .clock(clock)
                .build();
    }

    /** Enough calls to tell an outage from one unlucky call. */
    static final int BREAKER_WINDOW_CALLS = 10;
    static final int BREAKER_MINIMUM_CALLS = 5;
    static final int BREAKER_HALF_OPEN_CALLS = 2;
    /** Stripe's incidents last minutes; half a minute between trials keeps a failing Stripe from being hammered. */
    public static final java.time.Duration BREAKER_OPEN_FOR = java.time.Duration.ofSeconds(30);

    /**
     * @param apiBase   Stripe's own API unless given (development only: a local fake, the tests' WireMock)
     * @param settlementCurrencies the ISO codes Stripe settles without conversion for the account
     */
    public StripePayments(String secretKey, Optional<String> apiBase, String publishableKey, Set<String> settlementCurrencies,
            CircuitBreaker breaker) {
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.client = client(secretKey, apiBase);
        this.publishableKey = Objects.requireNonNull(publishableKey, "publishableKey");
        this.settlementCurrencies = Set.copyOf(settlementCurrencies);
    }

    /**
     * The one way a {@link StripeClient} is made (payments and Connect alike): these timeouts and
     * stripe-java's retries with the same idempotency key.
     */
    public static StripeClient client(String secretKey, Optional<String> apiBase) {
        Objects.requireNonNull(secretKey, "secretKey");
        StripeClient.StripeClientBuilder builder = StripeClient.builder()
                .setApiKey(secretKey)
                .setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setReadTimeout(READ_TIMEOUT_MS)
                .setMaxNetworkRetries(NETWORK_RETRIES);
        apiBase.ifPresent(builder::setApiBase);
        return builder.build();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String publishableKey() {
        return publishableKey;
    }

    @Override
    public boolean acceptsCalls() {
        CircuitBreaker.State state = breaker.getState();
        if (state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN) {
            return true;
        }
        // Open: the breaker moves to half-open only when asked for a permission after its wait; ask, and give the permission back.
        if (breaker.tryAcquirePermission()) {
            breaker.releasePermission();
            return true;
        }
        return false;
    }

    /** Runs one call through the breaker: refused at once while it is open, and counted as failed when its outcome is unknown. */
    private <T> T guarded(java.util.function.Supplier<T> call, java.util.function.Predicate<T> unknown, java.util.function.Supplier<T> refused) {
        if (!breaker.tryAcquirePermission()) {
            return refused.get();
        }
        long started = System.nanoTime();
        T outcome = call.get();
        long took = System.nanoTime() - started;
        if (unknown.test(outcome)) {
            breaker.onError(took, java.util.concurrent.TimeUnit.NANOSECONDS, new java.io.IOException("Stripe's answer is unknown"));
        } else {
            breaker.onSuccess(took, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    private CallOutcome guardedCall(java.util.function.Supplier<CallOutcome> call) {
        return guarded(call, outcome -> outcome instanceof CallOutcome.Unknown,
                () -> new CallOutcome.Unknown("the circuit breaker is open: Stripe has been failing"));
    }

    @Override
    public boolean settles(String currencyCode) {
        return settlementCurrencies.contains(currencyCode);
    }

    @Override
    public CallOutcome createPayment(CreatePayment call) {
        return guardedCall(() -> create(call));
    }

    private CallOutcome create(CreatePayment call) {
        PaymentIntentCreateParams.Builder params = PaymentIntentCreateParams.builder()
                .setAmount(call.amount().minorUnits())
                .setCurrency(call.amount().currency().code().toLowerCase(Locale.ROOT))
                .setPaymentMethod(call.paymentMethod())
                .setConfirm(true)
                .setCaptureMethod(call.capture() ? PaymentIntentCreateParams.CaptureMethod.AUTOMATIC
                        : PaymentIntentCreateParams.CaptureMethod.MANUAL)
                .putAllMetadata(call.metadata());
        call.customer().ifPresent(params::setCustomer);
        call.destination().ifPresent(destination -> {
            // A destination charge: Stripe transfers the amount less the application fee to the connected account.
            params.setTransferData(PaymentIntentCreateParams.TransferData.builder().setDestination(destination.providerAccountId()).build());
            if (destination.applicationFeeMinor() > 0) {
                params.setApplicationFeeAmount(destination.applicationFeeMinor());
            }
        });
        if (!call.description().isEmpty()) {
            params.setDescription(call.description());
        }
        if (call.returnUrl().isPresent()) {
            params.setReturnUrl(call.returnUrl().get());
        } else {
            // Without a place to come back to, a method that needs a redirect must fail now, not hang in requires_action.
            params.setAutomaticPaymentMethods(PaymentIntentCreateParams.AutomaticPaymentMethods.builder()
                    .setEnabled(true)
                    .setAllowRedirects(PaymentIntentCreateParams.AutomaticPaymentMethods.AllowRedirects.NEVER)
                    .build());
        }
        RequestOptions options = RequestOptions.builder().setIdempotencyKey(call.idempotencyKey()).build();
        try {
            return new CallOutcome.Answered(payment(client.v1().paymentIntents().create(params.build(), options)));
        } catch (CardException declined) {
            StripeError error = declined.getStripeError();
            return new CallOutcome.Refused(orDefault(declined.getCode(), "card_declined"), message(declined),
                    Optional.ofNullable(error).map(StripeError::getPaymentIntent).map(PaymentIntent::getId), errorJson(declined));
        } catch (ApiConnectionException | RateLimitException | ApiException | IdempotencyException unknown) {
            // Timeouts, resets, 429, 5xx (after stripe-java's retries), or our key still in use at Stripe: the charge may or may not exist.
            return new CallOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        } catch (StripeException refused) {
            Integer status = refused.getStatusCode();
            if (status == null || status >= 500 || status == 429) {
                return new CallOutcome.Unknown(refused.getClass().getSimpleName() + ": " + refused.getMessage());
            }
            // Any other 4xx: Stripe refused the request itself (bad token, bad key, bad parameters); nothing was charged.
            StripeError error = refused.getStripeError();
            return new CallOutcome.Refused(orDefault(refused.getCode(), "gateway_error"), message(refused),
                    Optional.ofNullable(error).map(StripeError::getPaymentIntent).map(PaymentIntent::getId), errorJson(refused));
        }
    }

    @Override
    public CallOutcome retrievePayment(String providerPaymentId) {
        return guardedCall(() -> intentCall(() -> client.v1().paymentIntents().retrieve(providerPaymentId,
                com.stripe.param.PaymentIntentRetrieveParams.builder().build(), RequestOptions.getDefault())));
    }

    @Override
    public CallOutcome findPayment(String paymentId) {
        return guardedCall(() -> {
            try {
                List<PaymentIntent> found = client.v1().paymentIntents().search(com.stripe.param.PaymentIntentSearchParams.builder()
                        .setQuery("metadata['payflow_payment_id']:'" + paymentId + "'").build()).getData();
                return found.isEmpty() ? new CallOutcome.Refused("not_found", "no PaymentIntent carries payflow_payment_id " + paymentId,
                        Optional.empty(), "{}") : new CallOutcome.Answered(payment(found.get(0)));
            } catch (StripeException e) {
                return new CallOutcome.Unknown(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        });
    }

    @Override
    public CallOutcome capturePayment(String providerPaymentId, String idempotencyKey) {
        return guardedCall(() -> intentCall(() -> client.v1().paymentIntents().capture(providerPaymentId,
                com.stripe.param.PaymentIntentCaptureParams.builder().build(), options(idempotencyKey))));
    }

    @Override
    public CallOutcome cancelPayment(String providerPaymentId, String idempotencyKey) {
        return guardedCall(() -> intentCall(() -> client.v1().paymentIntents().cancel(providerPaymentId,
                com.stripe.param.PaymentIntentCancelParams.builder().build(), options(idempotencyKey))));
    }

    @Override
    public RefundOutcome refund(String providerPaymentId, long amountMinor, String reason, java.util.Map<String, String> metadata,
            String idempotencyKey) {
        return guarded(() -> createRefund(providerPaymentId, amountMinor, reason, metadata, idempotencyKey),
                outcome -> outcome instanceof RefundOutcome.Unknown,
                () -> new RefundOutcome.Unknown("the circuit breaker is open: Stripe has been failing"));
    }

    @Override
    public RefundOutcome refundRouted(String providerPaymentId, long amountMinor, String reason, java.util.Map<String, String> metadata,
            String idempotencyKey) {
        return guarded(() -> createRefund(providerPaymentId, amountMinor, reason, metadata, idempotencyKey, true),
                outcome -> outcome instanceof RefundOutcome.Unknown,
                () -> new RefundOutcome.Unknown("the circuit breaker is open: Stripe has been failing"));
    }

    private RefundOutcome createRefund(String providerPaymentId, long amountMinor, String reason, java.util.Map<String, String> metadata,
            String idempotencyKey) {
        return createRefund(providerPaymentId, amountMinor, reason, metadata, idempotencyKey, false);
    }

    private RefundOutcome createRefund(String providerPaymentId, long amountMinor, String reason, java.util.Map<String, String> metadata,
            String idempotencyKey, boolean routed) {
        com.stripe.param.RefundCreateParams.Builder builder = com.stripe.param.RefundCreateParams.builder()
                .setPaymentIntent(providerPaymentId)
                .setAmount(amountMinor)
                .setReason(com.stripe.param.RefundCreateParams.Reason.valueOf(reason.toUpperCase(Locale.ROOT)))
                .putAllMetadata(metadata);
        if (routed) {
            // The connected account gives back its part and the platform its fee, in proportion.
            builder.setReverseTransfer(true).setRefundApplicationFee(true);
        }
        com.stripe.param.RefundCreateParams params = builder.build();
        try {
            com.stripe.model.Refund refund = client.v1().refunds().create(params, options(idempotencyKey));
            String json = refund.getLastResponse() != null ? refund.getLastResponse().body() : refund.toJson();
            return new RefundOutcome.Answered(refund.getId(), orDefault(refund.getStatus(), "pending"), json);
        } catch (ApiConnectionException | RateLimitException | ApiException | IdempotencyException unknown) {
            return new RefundOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        } catch (StripeException refused) {
            Integer status = refused.getStatusCode();
            if (status == null || status >= 500 || status == 429) {
                return new RefundOutcome.Unknown(refused.getClass().getSimpleName() + ": " + refused.getMessage());
            }
            return new RefundOutcome.Refused(orDefault(refused.getCode(), "gateway_error"), message(refused));
        }
    }

    /**
     * The fee of a captured PaymentIntent: its latest charge's balance transaction, expanded in
     * one retrieve. Outside the circuit breaker's counts (a fee can wait), but not asked while it is open.
     */
    @Override
    public FeeOutcome feeOf(String providerPaymentId) {
        if (!acceptsCalls()) {
            return new FeeOutcome.NotYet("the circuit breaker is open: Stripe has been failing");
        }
        try {
            PaymentIntent intent = client.v1().paymentIntents().retrieve(providerPaymentId,
                    com.stripe.param.PaymentIntentRetrieveParams.builder().addExpand("latest_charge.balance_transaction").build(),
                    RequestOptions.getDefault());
            com.stripe.model.Charge charge = intent.getLatestChargeObject();
            com.stripe.model.BalanceTransaction balance = charge == null ? null : charge.getBalanceTransactionObject();
            if (balance == null || balance.getFee() == null) {
                return new FeeOutcome.NotYet("PaymentIntent " + providerPaymentId + " has no balance transaction yet");
            }
            return new FeeOutcome.Known(balance.getId(), balance.getFee(), orDefault(balance.getCurrency(), "").toUpperCase(Locale.ROOT),
                    balance.toJson());
        } catch (StripeException e) {
            return new FeeOutcome.NotYet(e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            // An answer stripe-java cannot read (not Stripe's JSON): asked again later.
            return new FeeOutcome.NotYet(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @FunctionalInterface
    private interface IntentCall {
        PaymentIntent call() throws StripeException;
    }

    /** A call that answers a PaymentIntent; a 4xx refusal leaves the PaymentIntent as it was, so it is reported as unknown-free "refused". */
    private static CallOutcome intentCall(IntentCall call) {
        try {
            return new CallOutcome.Answered(payment(call.call()));
        } catch (ApiConnectionException | RateLimitException | ApiException | IdempotencyException unknown) {
            return new CallOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        } catch (StripeException refused) {
            Integer status = refused.getStatusCode();
            if (status == null || status >= 500 || status == 429) {
                return new CallOutcome.Unknown(refused.getClass().getSimpleName() + ": " + refused.getMessage());
            }
            return new CallOutcome.Refused(orDefault(refused.getCode(), "gateway_error"), message(refused), Optional.empty(), errorJson(refused));
        }
    }

    private static RequestOptions options(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    /** Our view of a PaymentIntent. */
    static ProviderPayment payment(PaymentIntent intent) {
        Optional<StripeError> lastError = Optional.ofNullable(intent.getLastPaymentError());
        PaymentStatus status = status(intent.getStatus(), lastError.isPresent());
        Optional<Payment.NextAction> nextAction = Optional.ofNullable(intent.getNextAction())
                .filter(action -> status == PaymentStatus.REQUIRES_ACTION)
                .map(action -> new Payment.NextAction(orDefault(action.getType(), "use_stripe_sdk"),
                        Optional.ofNullable(action.getRedirectToUrl()).map(PaymentIntent.NextAction.RedirectToUrl::getUrl)));
        String json = intent.getLastResponse() != null ? intent.getLastResponse().body() : intent.toJson();
        return new ProviderPayment(intent.getId(), status, nextAction,
                lastError.filter(e -> status == PaymentStatus.FAILED).map(e -> orDefault(e.getCode(), "payment_failed")),
                lastError.filter(e -> status == PaymentStatus.FAILED).map(e -> orDefault(e.getMessage(), "")),
                "payment_intent", json);
    }

    /**
     * A PaymentIntent's status in our words. {@code requires_payment_method} after a confirm means
     * the method was refused: the payment failed (PayFlow does not try another method on it).
     */
    static PaymentStatus status(String stripeStatus, boolean hasPaymentError) {
        return switch (Objects.requireNonNullElse(stripeStatus, "")) {
            case "succeeded" -> PaymentStatus.SUCCEEDED;
            case "requires_action" -> PaymentStatus.REQUIRES_ACTION;
            case "requires_capture" -> PaymentStatus.REQUIRES_CAPTURE;
            case "processing" -> PaymentStatus.PROCESSING;
            case "canceled" -> PaymentStatus.CANCELLED;
            case "requires_payment_method" -> hasPaymentError ? PaymentStatus.FAILED : PaymentStatus.PENDING;
            default -> PaymentStatus.PENDING;
        };
    }

    private static String message(StripeException e) {
        StripeError error = e.getStripeError();
        if (error != null && error.getMessage() != null) {
            return error.getMessage();
        }
        return orDefault(e.getUserMessage(), "the gateway refused the payment");
    }

    private static String errorJson(StripeException e) {
        StripeError error = e.getStripeError();
        return error != null ? error.toJson() : "{}";
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    @Override
    public MethodOutcome attachPaymentMethod(String providerToken, Optional<String> customer) {
        return methods().attach(providerToken, customer);
    }

    @Override
    public MethodOutcome detachPaymentMethod(String providerToken) {
        return methods().detach(providerToken);
    }

    /** Payment methods through the same client and circuit breaker as the payments. */
    private StripePaymentMethods methods() {
        return new StripePaymentMethods(client, breaker);
    }
}
