package dev.payflow.core.app;

import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Text;
import dev.payflow.core.gateway.ConnectProvider;
import dev.payflow.core.gateway.ConnectProviders;
import dev.payflow.core.gateway.StripeOAuth;
import dev.payflow.core.persistence.ConnectOAuthStateRepository;
import dev.payflow.core.persistence.ConnectedAccountRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.webhook.ConnectEvents;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standard connected accounts by Stripe Connect OAuth. A partner asks for an authorize URL; its
 * {@code state} is random (256 bits), kept server-side only as a digest, bound to the partner,
 * the mode and the user, valid for {@link #STATE_VALIDITY} and claimed once by the callback. The
 * callback (which carries no PayFlow credential: the state authenticates it) claims the state in
 * its own transaction, exchanges the code at Stripe outside any transaction, reads the account,
 * and records it ({@code standard}, Stripe's {@code stripe_user_id} as its id) with
 * {@code connect.account.connected} in one transaction.
 */
public final class ConnectOAuth {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectOAuth.class);
    /** How long a state may be brought back. */
    public static final Duration STATE_VALIDITY = Duration.ofMinutes(10);
    /** PayFlow's own callback, under the public base URL: the default redirect. */
    public static final String CALLBACK_PATH = "/api/v1/connect/oauth/callback";
    private static final int STATE_BYTES = 32;
    /** A code or state longer than this is not one Stripe or PayFlow gave. */
    private static final int CODE_LENGTH_MAX = 512;

    private final Database database;
    private final Services services;
    private final ConnectProviders providers;
    private final ConnectedAccountRepository accounts;
    private final ConnectOAuthStateRepository states;
    private final ConnectEvents events;
    private final Supplier<String> publicBaseUrl;

    public ConnectOAuth(Database database, Services services, ConnectProviders providers, ConnectedAccountRepository accounts,
            ConnectOAuthStateRepository states, ConnectEvents events, Supplier<String> publicBaseUrl) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.states = Objects.requireNonNull(states, "states");
        this.events = Objects.requireNonNull(events, "events");
        this.publicBaseUrl = Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
    }

    /** Where the holder authorizes the platform, and the state that URL carries (valid until {@code expiresAt}). */
    public record AuthorizeUrl(String url, String state, Instant expiresAt) {
    }

    public AuthorizeUrl authorizeUrl(PartnerScope scope, String redirectUri, String externalUserId) {
        Optional<String> redirect = ConnectAccounts.url(redirectUri, "redirectUri");
        Optional<String> user = ConnectAccounts.present(Fields.optional(externalUserId, "externalUserId",
                ConnectAccounts.EXTERNAL_USER_ID_LENGTH_MAX));
        StripeOAuth oauth = oauth(scope.livemode());
        String redirectTo = redirect.orElseGet(() -> publicBaseUrl.get() + CALLBACK_PATH);
        byte[] random = new byte[STATE_BYTES];
        services.random().nextBytes(random);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Instant now = services.now();
        Instant expiresAt = now.plus(STATE_VALIDITY);
        database.inTransaction(tx -> {
            states.insert(tx, Text.sha256Hex(state), new ConnectOAuthStateRepository.IssuedState(scope, user, redirectTo), now, expiresAt);
            return null;
        });
        String url = oauth.authorizeEndpoint() + "?response_type=code&client_id=" + encoded(oauth.clientId()) + "&scope=read_write&state="
                + encoded(state) + "&redirect_uri=" + encoded(redirectTo);
        return new AuthorizeUrl(url, state, expiresAt);
    }

    /** The callback: the state claimed once, the code exchanged, the Standard account recorded for the state's partner, mode and user. */
    public ConnectedAccount complete(String code, String state) {
        if (state == null || state.isBlank() || state.length() > CODE_LENGTH_MAX) {
            throw failed("the state is missing");
        }
        if (code == null || code.isBlank() || code.length() > CODE_LENGTH_MAX) {
            throw failed("the authorization code is missing (the holder may have declined)");
        }
        Optional<ConnectOAuthStateRepository.IssuedState> claimed = database.inTransaction(tx -> states.claim(tx, Text.sha256Hex(state),
                services.now()));
        if (claimed.isEmpty()) {
            throw failed("the state is unknown, already used or expired; ask for a new authorize URL");
        }
        ConnectOAuthStateRepository.IssuedState issued = claimed.get();
        ConnectProvider provider = providers.of(issued.scope().livemode()).orElseThrow(() -> notConfigured(issued.scope().livemode()));
        StripeOAuth oauth = provider.oauth().orElseThrow(() -> notConfigured(issued.scope().livemode()));
        ConnectProvider.Outcome<String> token = oauth.token(code);
        if (token instanceof ConnectProvider.Outcome.Refused<String> refused) {
            throw failed("Stripe refused the authorization code (" + refused.code() + "): " + refused.message());
        }
        if (!(token instanceof ConnectProvider.Outcome.Answered<String> answered) || answered.value() == null) {
            LOG.warn("Connect OAuth for partner {}: the code's exchange has no known answer ({})", issued.scope().partnerId(), token);
            throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "the payment gateway did not answer; ask for a new authorize URL");
        }
        String stripeUserId = answered.value();
        ConnectProvider.Outcome<ConnectProvider.ProviderAccount> read = provider.retrieveAccount(stripeUserId);
        Optional<ConnectProvider.ProviderAccount> details = read instanceof ConnectProvider.Outcome.Answered<ConnectProvider.ProviderAccount> a
                ? Optional.of(a.value()) : Optional.empty();
        if (details.isEmpty()) {
            LOG.warn("Connect OAuth: account {} not read after the exchange ({}); its state comes with account.updated", stripeUserId, read);
        }
        Instant now = services.now();
        ConnectedAccount fresh = new ConnectedAccount(services.ids().next(IdPrefix.CONNECTED_ACCOUNT), issued.scope(), provider.name(),
                Optional.of(stripeUserId), ConnectedAccount.Type.STANDARD, issued.externalUserId(),
                details.flatMap(d -> field(d.objectJson(), "email")).orElse(""),
                details.flatMap(d -> field(d.objectJson(), "country")).filter(c -> c.length() == 2).orElse(""),
                details.flatMap(d -> field(d.objectJson(), "business_type")),
                details.map(ConnectProvider.ProviderAccount::state).orElse(ConnectedAccount.GatewayState.NOTHING_YET), "{}", now, now,
                Optional.empty());
        return database.inTransaction(tx -> {
            Optional<ConnectedAccount> same = accounts.findForUpdateFromGateway(tx, provider.name(), issued.scope().livemode(), stripeUserId);
            if (same.isPresent()) {
                throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_ALREADY_EXISTS, "Stripe account %s is already connected account %s",
                        stripeUserId, same.get().id());
            }
            Optional<ConnectedAccount> holders = accounts.insertUnlessHolderHasOne(tx, fresh);
            if (holders.isPresent()) {
                throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_ALREADY_EXISTS, "%s already has connected account %s in this mode",
                        issued.externalUserId().map(u -> "user " + u).orElse("the partner"), holders.get().id());
            }
            events.connected(tx, fresh);
            return fresh;
        });
    }

    private StripeOAuth oauth(boolean livemode) {
        return providers.of(livemode).flatMap(ConnectProvider::oauth).orElseThrow(() -> notConfigured(livemode));
    }

    private static PayflowException notConfigured(boolean livemode) {
        return PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED, "Connect OAuth is not configured for %s mode (a Stripe secret key and %s)",
                livemode ? "live" : "test", livemode ? "PAYFLOW_STRIPE_CONNECT_CLIENT_ID_LIVE" : "PAYFLOW_STRIPE_CONNECT_CLIENT_ID_TEST");
    }

    private static PayflowException failed(String why) {
        return PayflowException.of(ErrorReason.CONNECT_OAUTH_FAILED, "Connect OAuth failed: %s", why);
    }

    private static Optional<String> field(String json, String name) {
        com.google.gson.JsonElement value = com.google.gson.JsonParser.parseString(json).getAsJsonObject().get(name);
        return value == null || value.isJsonNull() ? Optional.empty() : Optional.of(value.getAsString());
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
