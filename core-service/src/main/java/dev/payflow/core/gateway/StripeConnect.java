package dev.payflow.core.gateway;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.Account;
import com.stripe.model.AccountLink;
import com.stripe.net.RequestOptions;
import com.stripe.param.AccountCreateParams;
import com.stripe.param.AccountLinkCreateParams;
import com.stripe.param.AccountUpdateParams;
import dev.payflow.core.domain.ConnectedAccount;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Stripe Connect through stripe-java, on the same {@link StripeClient} settings and the same
 * circuit breaker as the mode's payments ({@link StripePayments#client}): when Stripe fails, both
 * stop calling it.
 */
public final class StripeConnect implements ConnectProvider {
    private final StripeClient client;
    private final CircuitBreaker breaker;
    private final java.util.Optional<StripeOAuth> oauth;

    public StripeConnect(StripeClient client, CircuitBreaker breaker) {
        this(client, breaker, java.util.Optional.empty());
    }

    /** With OAuth for Standard accounts when the mode has a Connect client id. */
    public StripeConnect(StripeClient client, CircuitBreaker breaker, java.util.Optional<StripeOAuth> oauth) {
        this.client = Objects.requireNonNull(client, "client");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.oauth = Objects.requireNonNull(oauth, "oauth");
    }

    @Override
    public java.util.Optional<StripeOAuth> oauth() {
        return oauth;
    }

    @Override
    public Outcome<ProviderAccount> retrieveAccount(String providerAccountId) {
        return guarded(() -> account(() -> client.v1().accounts().retrieve(providerAccountId)));
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
    public Outcome<ProviderAccount> createExpressAccount(CreateAccount call) {
        AccountCreateParams.Builder params = AccountCreateParams.builder()
                .setCountry(call.country())
                .setEmail(call.email())
                // Express: Stripe hosts onboarding and a light dashboard; the platform pays Stripe's fees and bears the losses.
                .setController(AccountCreateParams.Controller.builder()
                        .setStripeDashboard(AccountCreateParams.Controller.StripeDashboard.builder()
                                .setType(AccountCreateParams.Controller.StripeDashboard.Type.EXPRESS).build())
                        .setFees(AccountCreateParams.Controller.Fees.builder()
                                .setPayer(AccountCreateParams.Controller.Fees.Payer.APPLICATION).build())
                        .setLosses(AccountCreateParams.Controller.Losses.builder()
                                .setPayments(AccountCreateParams.Controller.Losses.Payments.APPLICATION).build())
                        .build())
                .setCapabilities(AccountCreateParams.Capabilities.builder()
                        .setCardPayments(AccountCreateParams.Capabilities.CardPayments.builder().setRequested(true).build())
                        .setTransfers(AccountCreateParams.Capabilities.Transfers.builder().setRequested(true).build())
                        .build())
                // Payouts only when PayFlow asks for one: money leaves when the partner says so, never on Stripe's schedule.
                .setSettings(AccountCreateParams.Settings.builder()
                        .setPayouts(AccountCreateParams.Settings.Payouts.builder()
                                .setSchedule(AccountCreateParams.Settings.Payouts.Schedule.builder()
                                        .setInterval(AccountCreateParams.Settings.Payouts.Schedule.Interval.MANUAL).build())
                                .build())
                        .build())
                .putAllMetadata(call.metadata());
        call.businessType().ifPresent(type -> params.setBusinessType(AccountCreateParams.BusinessType.valueOf(type.toUpperCase(Locale.ROOT))));
        RequestOptions options = RequestOptions.builder().setIdempotencyKey(call.idempotencyKey()).build();
        return guarded(() -> account(() -> client.v1().accounts().create(params.build(), options)));
    }

    @Override
    public Outcome<dev.payflow.core.domain.OnboardingLink> createOnboardingLink(String providerAccountId, String refreshUrl, String returnUrl) {
        return guarded(() -> call(() -> {
            AccountLink link = client.v1().accountLinks().create(AccountLinkCreateParams.builder()
                    .setAccount(providerAccountId)
                    .setRefreshUrl(refreshUrl)
                    .setReturnUrl(returnUrl)
                    .setType(AccountLinkCreateParams.Type.ACCOUNT_ONBOARDING)
                    .build());
            return new dev.payflow.core.domain.OnboardingLink(link.getUrl(), Instant.ofEpochSecond(link.getExpiresAt()));
        }));
    }

    @Override
    public Outcome<java.util.Optional<ConnectedAccount.GatewayState>> updateAccount(String providerAccountId, AccountChange change) {
        AccountUpdateParams.Builder params = AccountUpdateParams.builder();
        change.email().ifPresent(params::setEmail);
        if (change.businessName().isPresent() || change.businessUrl().isPresent() || change.productDescription().isPresent()
                || change.supportEmail().isPresent()) {
            AccountUpdateParams.BusinessProfile.Builder profile = AccountUpdateParams.BusinessProfile.builder();
            change.businessName().ifPresent(profile::setName);
            change.businessUrl().ifPresent(profile::setUrl);
            change.productDescription().ifPresent(profile::setProductDescription);
            change.supportEmail().ifPresent(profile::setSupportEmail);
            params.setBusinessProfile(profile.build());
        }
        return guarded(() -> call(() -> {
            Account account = client.v1().accounts().update(providerAccountId, params.build());
            String json = account.getLastResponse() != null ? account.getLastResponse().body() : account.toJson();
            return java.util.Optional.of(StripeAccounts.state(json));
        }));
    }

    @Override
    public Outcome<dev.payflow.core.domain.ConnectedAccountBalance> balance(String providerAccountId) {
        RequestOptions asTheAccount = RequestOptions.builder().setStripeAccount(providerAccountId).build();
        return guarded(() -> call(() -> {
            com.stripe.model.Balance balance = client.v1().balance().retrieve(asTheAccount);
            return new dev.payflow.core.domain.ConnectedAccountBalance(
                    balance.getAvailable() == null ? java.util.List.of() : balance.getAvailable().stream()
                            .map(a -> new dev.payflow.core.domain.ConnectedAccountBalance.Amount(a.getAmount(), a.getCurrency().toUpperCase(Locale.ROOT))).toList(),
                    balance.getPending() == null ? java.util.List.of() : balance.getPending().stream()
                            .map(a -> new dev.payflow.core.domain.ConnectedAccountBalance.Amount(a.getAmount(), a.getCurrency().toUpperCase(Locale.ROOT))).toList());
        }));
    }

    @Override
    public Outcome<Boolean> disconnect(String providerAccountId, ConnectedAccount.Type type) {
        if (type == ConnectedAccount.Type.STANDARD) {
            // Standard accounts belong to their holder: only the platform's access is revoked (OAuth deauthorize), which needs the
            // mode's Connect client id.
            if (oauth.isEmpty()) {
                return new Outcome.Refused<>("not_configured", "Standard accounts are disconnected by OAuth deauthorization, which needs "
                        + "the mode's Connect client id");
            }
            return guarded(() -> oauth.get().deauthorize(providerAccountId));
        }
        return guarded(() -> call(() -> Boolean.TRUE.equals(client.v1().accounts().delete(providerAccountId).getDeleted())));
    }

    @FunctionalInterface
    interface StripeCall<T> {
        T call() throws StripeException;
    }

    private static Outcome<ProviderAccount> account(StripeCall<Account> call) {
        return call(() -> {
            Account account = call.call();
            String json = account.getLastResponse() != null ? account.getLastResponse().body() : account.toJson();
            return new ProviderAccount(account.getId(), StripeAccounts.state(json), json);
        });
    }

    static <T> Outcome<T> call(StripeCall<T> call) {
        try {
            return new Outcome.Answered<>(call.call());
        } catch (ApiConnectionException | RateLimitException | ApiException | IdempotencyException unknown) {
            return new Outcome.Unknown<>(unknown.getClass().getSimpleName() + ": " + unknown.getMessage());
        } catch (StripeException refused) {
            Integer status = refused.getStatusCode();
            if (status == null || status >= 500 || status == 429) {
                return new Outcome.Unknown<>(refused.getClass().getSimpleName() + ": " + refused.getMessage());
            }
            String message = refused.getStripeError() != null && refused.getStripeError().getMessage() != null
                    ? refused.getStripeError().getMessage() : String.valueOf(refused.getMessage());
            return new Outcome.Refused<>(refused.getCode() == null ? "invalid_request" : refused.getCode(), message);
        }
    }

    /** Through the breaker: refused at once while it is open, counted as failed when the outcome is unknown. */
    private <T> Outcome<T> guarded(Supplier<Outcome<T>> call) {
        if (!breaker.tryAcquirePermission()) {
            return new Outcome.Unknown<>("the circuit breaker is open: Stripe has been failing");
        }
        long started = System.nanoTime();
        Outcome<T> outcome = call.get();
        long took = System.nanoTime() - started;
        if (outcome instanceof Outcome.Unknown<T>) {
            breaker.onError(took, TimeUnit.NANOSECONDS, new java.io.IOException("Stripe's answer is unknown"));
        } else {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return outcome;
    }
}
