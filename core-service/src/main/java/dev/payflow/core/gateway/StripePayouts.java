package dev.payflow.core.gateway;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeError;
import com.stripe.net.RequestOptions;
import com.stripe.param.PayoutCancelParams;
import com.stripe.param.PayoutCreateParams;
import com.stripe.param.PayoutRetrieveParams;
import com.stripe.param.TransferCreateParams;
import com.stripe.param.TransferListParams;
import com.stripe.param.TransferReversalCreateParams;
import dev.payflow.core.domain.Money;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Payouts through Stripe Connect, on the mode's {@link StripeClient} settings (timeouts,
 * stripe-java's retries with the same idempotency key) and its circuit breaker, shared with
 * payments and Connect: when Stripe fails, none of them calls it. Transfers are made from the
 * platform's balance; payouts are made as the connected account ({@code Stripe-Account} header),
 * to its default bank account.
 */
public final class StripePayouts implements PayoutProvider {
    /** Transfers of one group are few (one per payout, a retry finds the same one): one page is enough. */
    static final long TRANSFER_GROUP_PAGE_SIZE = 10;

    private final StripeClient client;
    private final CircuitBreaker breaker;

    public StripePayouts(StripeClient client, CircuitBreaker breaker) {
        this.client = Objects.requireNonNull(client, "client");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
    }

    @Override
    public String name() {
        return StripePayments.NAME;
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

    @Override
    public Outcome<Transfer> createTransfer(CreateTransfer call) {
        TransferCreateParams.Builder params = TransferCreateParams.builder()
                .setAmount(call.amount().minorUnits())
                .setCurrency(currency(call.amount()))
                .setDestination(call.providerAccountId())
                .setTransferGroup(call.payoutId())
                .putAllMetadata(call.metadata());
        call.sourceTransaction().ifPresent(params::setSourceTransaction);
        if (!call.description().isEmpty()) {
            params.setDescription(call.description());
        }
        return guarded(() -> transfer(client.v1().transfers().create(params.build(), options(call.idempotencyKey(), Optional.empty()))));
    }

    @Override
    public Outcome<Optional<Transfer>> findTransfer(String providerAccountId, String transferGroup) {
        return guarded(() -> {
            List<com.stripe.model.Transfer> found = client.v1().transfers().list(TransferListParams.builder()
                    .setTransferGroup(transferGroup).setDestination(providerAccountId).setLimit(TRANSFER_GROUP_PAGE_SIZE).build()).getData();
            return found.isEmpty() ? Optional.empty() : Optional.of(transfer(found.get(0)));
        });
    }

    @Override
    public Outcome<String> reverseTransfer(String providerTransferId, Money amount, Map<String, String> metadata, String idempotencyKey) {
        return guarded(() -> client.v1().transfers().reversals().create(providerTransferId, TransferReversalCreateParams.builder()
                .setAmount(amount.minorUnits()).putAllMetadata(metadata).build(), options(idempotencyKey, Optional.empty())).getId());
    }

    @Override
    public Outcome<BankPayout> createPayout(CreatePayout call) {
        PayoutCreateParams.Builder params = PayoutCreateParams.builder()
                .setAmount(call.amount().minorUnits())
                .setCurrency(currency(call.amount()))
                .putAllMetadata(call.metadata());
        if (!call.description().isEmpty()) {
            params.setDescription(call.description());
        }
        return guarded(() -> payout(client.v1().payouts().create(params.build(), options(call.idempotencyKey(),
                Optional.of(call.providerAccountId())))));
    }

    @Override
    public Outcome<BankPayout> retrievePayout(String providerAccountId, String providerPayoutId) {
        return guarded(() -> payout(client.v1().payouts().retrieve(providerPayoutId, PayoutRetrieveParams.builder().build(),
                RequestOptions.builder().setStripeAccount(providerAccountId).build())));
    }

    @Override
    public Outcome<BankPayout> cancelPayout(String providerAccountId, String providerPayoutId, String idempotencyKey) {
        return guarded(() -> payout(client.v1().payouts().cancel(providerPayoutId, PayoutCancelParams.builder().build(),
                options(idempotencyKey, Optional.of(providerAccountId)))));
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws StripeException;
    }

    /**
     * One call through the breaker: refused at once while it is open; an unknown outcome (network,
     * 429, 5xx after stripe-java's retries, our key still in use at Stripe) counts as failed, a
     * refusal (any other 4xx: Stripe answered) as a success.
     */
    private <T> Outcome<T> guarded(Call<T> call) {
        if (!breaker.tryAcquirePermission()) {
            return new Outcome.Unknown<>("the circuit breaker is open: Stripe has been failing");
        }
        long started = System.nanoTime();
        Outcome<T> outcome = attempt(call);
        long took = System.nanoTime() - started;
        if (outcome instanceof Outcome.Unknown<T>) {
            breaker.onError(took, TimeUnit.NANOSECONDS, new java.io.IOException("Stripe's answer is unknown"));
        } else {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    private static <T> Outcome<T> attempt(Call<T> call) {
        try {
            return new Outcome.Answered<>(call.call());
        } catch (ApiConnectionException | RateLimitException | ApiException | IdempotencyException unknown) {
            return new Outcome.Unknown<>(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        } catch (StripeException refused) {
            Integer status = refused.getStatusCode();
            if (status == null || status >= 500 || status == 429) {
                return new Outcome.Unknown<>(refused.getClass().getSimpleName() + ": " + refused.getMessage());
            }
            StripeError error = refused.getStripeError();
            String message = error != null && error.getMessage() != null ? error.getMessage() : orDefault(refused.getUserMessage(), "refused");
            return new Outcome.Refused<>(orDefault(refused.getCode(), "gateway_error"), message);
        } catch (RuntimeException unreadable) {
            // An answer stripe-java cannot read (not Stripe's JSON): we do not know what Stripe did.
            return new Outcome.Unknown<>(unreadable.getClass().getSimpleName() + ": " + unreadable.getMessage());
        }
    }

    private static RequestOptions options(String idempotencyKey, Optional<String> stripeAccount) {
        RequestOptions.RequestOptionsBuilder builder = RequestOptions.builder().setIdempotencyKey(idempotencyKey);
        stripeAccount.ifPresent(builder::setStripeAccount);
        return builder.build();
    }

    static Transfer transfer(com.stripe.model.Transfer transfer) {
        long amount = Objects.requireNonNullElse(transfer.getAmount(), 0L);
        boolean reversed = Boolean.TRUE.equals(transfer.getReversed());
        return new Transfer(transfer.getId(), amount, reversed, json(transfer));
    }

    static BankPayout payout(com.stripe.model.Payout payout) {
        return new BankPayout(payout.getId(), orDefault(payout.getStatus(), "pending"),
                Optional.ofNullable(payout.getArrivalDate()).map(Instant::ofEpochSecond), Optional.ofNullable(payout.getFailureCode()),
                Optional.ofNullable(payout.getFailureMessage()), json(payout));
    }

    private static String json(com.stripe.model.StripeObject object) {
        return object.toJson();
    }

    private static String currency(Money amount) {
        return amount.currency().code().toLowerCase(Locale.ROOT);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
