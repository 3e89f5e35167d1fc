package dev.payflow.core.gateway;

import dev.payflow.core.domain.ConnectedAccount;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Connected accounts in sandbox without a Stripe test key, so partners can test the whole flow
 * offline: an account is made at once ({@code acct_sim_...}, pending), its onboarding link leads
 * to a page PayFlow itself serves, and following that link makes the account active (see
 * {@code ConnectAccounts.completeSimulatedOnboarding}). It holds no money: its balance is empty.
 * No I/O, and no state of its own: the account's state lives in our database.
 */
public final class SimulatedConnect implements ConnectProvider {
    public static final String NAME = "simulated";
    /** Where the simulated onboarding page is served, under the public base URL; the account's id follows. */
    public static final String ONBOARDING_PATH = "/connect/simulated-onboarding/";
    /** As long as Stripe's own links live (a few minutes). */
    static final Duration LINK_LIFETIME = Duration.ofMinutes(5);
    private static final String ACCOUNT_PREFIX = "acct_sim_";

    private final java.util.function.Supplier<String> publicBaseUrl;
    private final Clock clock;

    public SimulatedConnect(java.util.function.Supplier<String> publicBaseUrl, Clock clock) {
        this.publicBaseUrl = Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The gateway id of the simulated account of ours: derived from our id, so a repeated create makes the same account. */
    public static String accountIdFor(String connectedAccountId) {
        return ACCOUNT_PREFIX + connectedAccountId.substring(connectedAccountId.indexOf('_') + 1);
    }

    public static boolean isSimulated(String providerAccountId) {
        return providerAccountId.startsWith(ACCOUNT_PREFIX);
    }

    @Override
    public Outcome<ProviderAccount> createExpressAccount(CreateAccount call) {
        // Asks what Stripe asks of a new Express account before onboarding: charges and payouts off, details currently due.
        ConnectedAccount.GatewayState state = new ConnectedAccount.GatewayState(false, false,
                java.util.Map.of("card_payments", "inactive", "transfers", "inactive"),
                new ConnectedAccount.Requirements(Optional.empty(), List.of("external_account", "tos_acceptance.date"),
                        List.of("external_account", "tos_acceptance.date"), List.of(), Optional.empty()));
        String id = accountIdFor(call.accountId());
        return new Outcome.Answered<>(new ProviderAccount(id, state, "{\"id\":\"" + id + "\",\"object\":\"account\",\"simulated\":true}"));
    }

    /** The state of a simulated account whose onboarding page was followed: everything enabled, nothing due. */
    public static ConnectedAccount.GatewayState onboarded() {
        return new ConnectedAccount.GatewayState(true, true, java.util.Map.of("card_payments", "active", "transfers", "active"),
                ConnectedAccount.Requirements.NONE);
    }

    @Override
    public Outcome<dev.payflow.core.domain.OnboardingLink> createOnboardingLink(String providerAccountId, String refreshUrl, String returnUrl) {
        return new Outcome.Answered<>(new dev.payflow.core.domain.OnboardingLink(publicBaseUrl.get() + ONBOARDING_PATH + providerAccountId
                + "?return_url=" + java.net.URLEncoder.encode(returnUrl, java.nio.charset.StandardCharsets.UTF_8),
                clock.instant().plus(LINK_LIFETIME)));
    }

    @Override
    public Outcome<Optional<ConnectedAccount.GatewayState>> updateAccount(String providerAccountId, AccountChange change) {
        return new Outcome.Answered<>(Optional.empty());
    }

    @Override
    public Outcome<dev.payflow.core.domain.ConnectedAccountBalance> balance(String providerAccountId) {
        return new Outcome.Answered<>(new dev.payflow.core.domain.ConnectedAccountBalance(List.of(), List.of()));
    }

    @Override
    public Outcome<Boolean> disconnect(String providerAccountId, ConnectedAccount.Type type) {
        return new Outcome.Answered<>(true);
    }
}
