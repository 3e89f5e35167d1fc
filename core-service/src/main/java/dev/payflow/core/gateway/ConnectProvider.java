package dev.payflow.core.gateway;

import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.ConnectedAccountBalance;
import dev.payflow.core.domain.OnboardingLink;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A gateway that holds connected accounts (Stripe Connect; simulated in sandbox without a Stripe
 * key). Each call does I/O and is never made inside a database transaction: the use case records
 * the account, commits, calls, and records what the call answered. Creates carry an idempotency
 * key derived from our id ({@code <con_id>:create}), so a retry never makes a second account.
 */
public interface ConnectProvider {

    /** The provider's name as stored on the account: {@code stripe} or {@code simulated}. */
    String name();

    /** Whether calls are let through now (false while the gateway's circuit breaker is open). */
    default boolean acceptsCalls() {
        return true;
    }

    /** Creates an Express account: controller settings for Express, payouts on a manual schedule. */
    Outcome<ProviderAccount> createExpressAccount(CreateAccount call);

    /** A fresh one-time onboarding link for the account. */
    Outcome<OnboardingLink> createOnboardingLink(String providerAccountId, String refreshUrl, String returnUrl);

    /** Sends what changed of the account (each field only if given); answers the account's state if the gateway sent it. */
    Outcome<Optional<ConnectedAccount.GatewayState>> updateAccount(String providerAccountId, AccountChange change);

    /** The account's balance at the gateway, read as the account itself. */
    Outcome<ConnectedAccountBalance> balance(String providerAccountId);

    /** Reads the account as the gateway has it now (a Standard account connected by OAuth is read after the code's exchange). */
    default Outcome<ProviderAccount> retrieveAccount(String providerAccountId) {
        return new Outcome.Refused<>("not_supported", "this gateway does not read accounts");
    }

    /** OAuth for Standard accounts, when this gateway is Stripe and the mode has a Connect client id. */
    default Optional<StripeOAuth> oauth() {
        return Optional.empty();
    }

    /** Closes an Express account, or revokes a Standard account's authorisation of the platform. */
    Outcome<Boolean> disconnect(String providerAccountId, ConnectedAccount.Type type);

    /**
     * What we ask the gateway to create.
     *
     * @param businessType empty: the holder picks it while onboarding
     * @param metadata     what the gateway keeps on the account so that its events lead back to us
     */
    record CreateAccount(String accountId, String country, String email, Optional<String> businessType, Map<String, String> metadata,
            String idempotencyKey) {
        public CreateAccount {
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(country, "country");
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(businessType, "businessType");
            metadata = Map.copyOf(metadata);
            Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        }
    }

    /** Fields of an account to change at the gateway; empty ones are left as they are. */
    record AccountChange(Optional<String> email, Optional<String> businessName, Optional<String> businessUrl,
            Optional<String> productDescription, Optional<String> supportEmail) {
        public boolean isEmpty() {
            return email.isEmpty() && businessName.isEmpty() && businessUrl.isEmpty() && productDescription.isEmpty() && supportEmail.isEmpty();
        }
    }

    /** The gateway's view of an account. */
    record ProviderAccount(String providerAccountId, ConnectedAccount.GatewayState state, String objectJson) {
        public ProviderAccount {
            Objects.requireNonNull(providerAccountId, "providerAccountId");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(objectJson, "objectJson");
        }
    }

    /** How a call ended. */
    sealed interface Outcome<T> {
        /** The gateway answered. */
        record Answered<T>(T value) implements Outcome<T> {
        }

        /** The gateway refused the request for good (4xx): nothing changed there. */
        record Refused<T>(String code, String message) implements Outcome<T> {
        }

        /** We do not know what the gateway did (timeout, network error, 5xx or 429 after retries, or the breaker is open). */
        record Unknown<T>(String why) implements Outcome<T> {
        }
    }
}
