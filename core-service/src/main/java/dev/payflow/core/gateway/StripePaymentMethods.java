package dev.payflow.core.gateway;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentMethod;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentMethodAttachParams;
import com.stripe.param.PaymentMethodDetachParams;
import com.stripe.param.PaymentMethodRetrieveParams;
import dev.payflow.core.gateway.PaymentProvider.MethodOutcome;
import dev.payflow.core.gateway.PaymentProvider.ProviderPaymentMethod;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Stripe's PaymentMethods: attach to a customer (or only retrieve, without one) and detach,
 * through the payments' client (its timeouts and retries) and circuit breaker (an unanswered call
 * counts as a failure; a refusal is Stripe answering).
 */
final class StripePaymentMethods {
    private final StripeClient client;
    private final CircuitBreaker breaker;

    StripePaymentMethods(StripeClient client, CircuitBreaker breaker) {
        this.client = Objects.requireNonNull(client, "client");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
    }

    MethodOutcome attach(String token, Optional<String> customer) {
        return guarded(() -> {
            if (customer.isEmpty()) {
                return client.v1().paymentMethods().retrieve(token, PaymentMethodRetrieveParams.builder().build(), RequestOptions.getDefault());
            }
            // Attaching the same token to the same customer twice is one attach at Stripe: the key says it is a retry.
            return client.v1().paymentMethods().attach(token, PaymentMethodAttachParams.builder().setCustomer(customer.get()).build(),
                    RequestOptions.builder().setIdempotencyKey("attach:" + token + ":" + customer.get()).build());
        });
    }

    MethodOutcome detach(String token) {
        return guarded(() -> client.v1().paymentMethods().detach(token, PaymentMethodDetachParams.builder().build(),
                RequestOptions.builder().setIdempotencyKey("detach:" + token).build()));
    }

    @FunctionalInterface
    private interface MethodCall {
        PaymentMethod call() throws StripeException;
    }

    private MethodOutcome guarded(MethodCall call) {
        if (!breaker.tryAcquirePermission()) {
            return new MethodOutcome.Unknown("the circuit breaker is open: Stripe has been failing");
        }
        long started = System.nanoTime();
        MethodOutcome outcome = outcome(call);
        long took = System.nanoTime() - started;
        if (outcome instanceof MethodOutcome.Unknown) {
            breaker.onError(took, TimeUnit.NANOSECONDS, new java.io.IOException("Stripe's answer is unknown"));
        } else {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    private static MethodOutcome outcome(MethodCall call) {
        try {
            return new MethodOutcome.Answered(method(call.call()));
        } catch (ApiConnectionException | RateLimitException | ApiException | IdempotencyException unknown) {
            return new MethodOutcome.Unknown(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        } catch (StripeException refused) {
            Integer status = refused.getStatusCode();
            if (status == null || status >= 500 || status == 429) {
                return new MethodOutcome.Unknown(refused.getClass().getSimpleName() + ": " + refused.getMessage());
            }
            String message = refused.getStripeError() != null && refused.getStripeError().getMessage() != null
                    ? refused.getStripeError().getMessage() : "Stripe refused the payment method";
            return new MethodOutcome.Refused(refused.getCode() == null ? "gateway_error" : refused.getCode(), message);
        }
    }

    /** Our view of a Stripe PaymentMethod: a card's brand, last four and expiry; other types as bank accounts or PayPal. */
    static ProviderPaymentMethod method(PaymentMethod method) {
        String stripeType = Objects.requireNonNullElse(method.getType(), "card");
        String type = switch (stripeType) {
            case "card" -> "card";
            case "paypal" -> "paypal";
            default -> "bank_account";
        };
        Optional<dev.payflow.core.domain.PaymentMethod.Card> card = Optional.ofNullable(method.getCard())
                .filter(c -> c.getLast4() != null && c.getExpMonth() != null && c.getExpYear() != null)
                .map(c -> new dev.payflow.core.domain.PaymentMethod.Card(Objects.requireNonNullElse(c.getBrand(), "unknown").toLowerCase(Locale.ROOT),
                        c.getLast4(), Math.toIntExact(c.getExpMonth()), Math.toIntExact(c.getExpYear())));
        boolean verified = Optional.ofNullable(method.getCard()).map(PaymentMethod.Card::getChecks).map(PaymentMethod.Card.Checks::getCvcCheck)
                .filter("pass"::equals).isPresent();
        return new ProviderPaymentMethod(type, card, verified, Optional.ofNullable(method.getCustomer()));
    }
}
