package dev.payflow.core.app;

import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.ConnectedAccountBalance;
import dev.payflow.core.domain.ConnectedAccountStatus;
import dev.payflow.core.domain.OnboardingLink;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.gateway.ConnectProvider;
import dev.payflow.core.gateway.ConnectProviders;
import dev.payflow.core.gateway.SimulatedConnect;
import dev.payflow.core.gateway.StripeAccounts;
import dev.payflow.core.gateway.StripePayments;
import dev.payflow.core.persistence.ConnectedAccountRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.webhook.ConnectEvents;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connected accounts: create (Express) and onboard, read, change, disconnect, and read the
 * balance; and what the gateway's events say of them. Every gateway call is made outside a
 * database transaction: the account is recorded and committed first (a create with the key
 * {@code <con_id>:create}), the answer recorded after, under the account's row lock.
 */
public final class ConnectAccounts {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectAccounts.class);
    /** The pages PayFlow serves when the partner gives no URL of its own (under the public base URL). */
    public static final String RETURN_PATH = "/connect/onboarding/return";
    public static final String REFRESH_PATH = "/connect/onboarding/refresh";
    /** The metadata key on the gateway's account that leads its events back to our record. */
    public static final String METADATA_ACCOUNT_ID = "payflow_connected_account_id";
    /** Stripe's own limit on a URL it redirects to; longer ones are refused before anything is recorded. */
    static final int URL_LENGTH_MAX = 2_048;
    /** RFC 5321's limit on an address. */
    static final int EMAIL_LENGTH_MAX = 254;
    /** The length of a partner's own ids everywhere in PayFlow. */
    static final int EXTERNAL_USER_ID_LENGTH_MAX = 255;
    /** Stripe's limits on business profile text. */
    static final int PROFILE_TEXT_LENGTH_MAX = 500;
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Set<String> BUSINESS_TYPES = Set.of("individual", "company", "non_profit", "government_entity");

    /** The Stripe event types applied here; {@code person.*} is stored and acknowledged only. */
    public static final String ACCOUNT_UPDATED = "account.updated";
    public static final String ACCOUNT_DEAUTHORIZED = "account.application.deauthorized";
    public static final String CAPABILITY_UPDATED = "capability.updated";

    private final Database database;
    private final Services services;
    private final ConnectProviders providers;
    private final ConnectedAccountRepository accounts;
    private final ConnectEvents events;
    /** Known once the REST listener is bound (in development its port may be ephemeral). */
    private final java.util.function.Supplier<String> publicBaseUrl;
    private final ConnectOAuth oauth;

    public ConnectAccounts(Database database, Services services, ConnectProviders providers, ConnectedAccountRepository accounts,
            ConnectEvents events, java.util.function.Supplier<String> publicBaseUrl) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.events = Objects.requireNonNull(events, "events");
        this.publicBaseUrl = Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
        this.oauth = new ConnectOAuth(database, services, providers, accounts, new dev.payflow.core.persistence.ConnectOAuthStateRepository(),
                events, publicBaseUrl);
    }

    /** Standard accounts by Stripe Connect OAuth. */
    public ConnectOAuth oauth() {
        return oauth;
    }

    /** A create request, validated. */
    public record CreateTerms(Optional<String> externalUserId, String country, String email, Optional<String> businessType,
            Optional<String> refreshUrl, Optional<String> returnUrl, Metadata metadata) {
        public CreateTerms {
            Objects.requireNonNull(externalUserId, "externalUserId");
            Objects.requireNonNull(country, "country");
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(businessType, "businessType");
            Objects.requireNonNull(refreshUrl, "refreshUrl");
            Objects.requireNonNull(returnUrl, "returnUrl");
            Objects.requireNonNull(metadata, "metadata");
        }

        /** Checks in the contract's order: the fields, then the metadata. */
        public static CreateTerms of(String externalUserId, String country, String email, String businessType, String refreshUrl,
                String returnUrl, Metadata metadata) {
            String countryCode = Fields.required(country, "country", 2);
            if (!COUNTRY.matcher(countryCode).matches()) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "country: '%s' (expected: an ISO 3166-1 alpha-2 code in upper case, e.g. US)",
                        countryCode);
            }
            String address = checkedEmail(Fields.required(email, "email", EMAIL_LENGTH_MAX), "email");
            Optional<String> type = present(Fields.optional(businessType, "businessType", 32));
            if (type.isPresent() && !BUSINESS_TYPES.contains(type.get())) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD,
                        "businessType: '%s' (expected: individual, company, non_profit or government_entity)", type.get());
            }
            Optional<String> user = present(Fields.optional(externalUserId, "externalUserId", EXTERNAL_USER_ID_LENGTH_MAX));
            return new CreateTerms(user, countryCode, address, type, url(refreshUrl, "refreshUrl"), url(returnUrl, "returnUrl"),
                    metadata.validated());
        }
    }

    /** The account, and where its holder onboards (empty if the gateway gave no link this time: ask for one). */
    public record Created(ConnectedAccount account, Optional<String> onboardingUrl) {
    }

    /** What an update changes; each part only if given. */
    public record UpdateTerms(Optional<Metadata> metadata, ConnectProvider.AccountChange change) {
        public static UpdateTerms of(Optional<Metadata> metadata, Optional<String> email, Optional<String> businessName,
                Optional<String> businessUrl, Optional<String> productDescription, Optional<String> supportEmail) {
            Optional<String> address = email.map(value -> checkedEmail(Fields.required(value, "email", EMAIL_LENGTH_MAX), "email"));
            Optional<String> name = businessName.map(value -> Fields.optional(value, "businessProfile.name", PROFILE_TEXT_LENGTH_MAX));
            Optional<String> site = businessUrl.flatMap(value -> url(value, "businessProfile.url"));
            Optional<String> description = productDescription.map(value -> Fields.optional(value, "businessProfile.productDescription",
                    PROFILE_TEXT_LENGTH_MAX));
            Optional<String> support = supportEmail.map(value -> checkedEmail(Fields.required(value, "businessProfile.supportEmail", EMAIL_LENGTH_MAX),
                    "businessProfile.supportEmail"));
            return new UpdateTerms(metadata.map(Metadata::validated), new ConnectProvider.AccountChange(address, name, site, description, support));
        }
    }

    public Created create(PartnerScope scope, CreateTerms terms) {
        ConnectProvider provider = provider(scope);
        Instant now = services.now();
        ConnectedAccount fresh = new ConnectedAccount(services.ids().next(IdPrefix.CONNECTED_ACCOUNT), scope, provider.name(), Optional.empty(),
                ConnectedAccount.Type.EXPRESS, terms.externalUserId(), terms.email(), terms.country(), terms.businessType(),
                ConnectedAccount.GatewayState.NOTHING_YET, terms.metadata().json(), now, now, Optional.empty());
        ConnectedAccount recorded = database.inTransaction(tx -> {
            Optional<ConnectedAccount> holders = accounts.insertUnlessHolderHasOne(tx, fresh);
            if (holders.isEmpty()) {
                return fresh;
            }
            if (holders.get().providerAccountId().isPresent() || !holders.get().provider().equals(provider.name())) {
                throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_ALREADY_EXISTS, "%s already has connected account %s in this mode",
                        terms.externalUserId().map(user -> "user " + user).orElse("the partner"), holders.get().id());
            }
            // An earlier create of this holder never heard the gateway's answer: finish that one, with its key.
            return holders.get();
        });
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(METADATA_ACCOUNT_ID, recorded.id());
        metadata.put("payflow_partner_id", scope.partnerId());
        recorded.externalUserId().ifPresent(user -> metadata.put("partner_user_id", user));
        ConnectProvider.Outcome<ConnectProvider.ProviderAccount> outcome = provider.createExpressAccount(new ConnectProvider.CreateAccount(
                recorded.id(), recorded.country(), recorded.email(), recorded.businessType(), metadata, recorded.id() + ":create"));
        ConnectedAccount created;
        if (outcome instanceof ConnectProvider.Outcome.Answered<ConnectProvider.ProviderAccount> answered) {
            created = database.inTransaction(tx -> {
                ConnectedAccount locked = accounts.findForUpdate(tx, scope, recorded.id()).orElseThrow();
                if (locked.providerAccountId().isPresent()) {
                    // A webhook recorded it first; it also announced it.
                    return locked;
                }
                ConnectedAccount withAccount = locked.withProviderAccount(answered.value().providerAccountId(), answered.value().state(),
                        services.now());
                accounts.update(tx, withAccount);
                events.connected(tx, withAccount);
                return withAccount;
            });
        } else if (outcome instanceof ConnectProvider.Outcome.Refused<ConnectProvider.ProviderAccount> refused) {
            // Nothing exists at the gateway: the record goes, so the holder can try again with other details.
            database.inTransaction(tx -> accounts.deleteNotCreated(tx, scope, recorded.id()));
            throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_INVALID, "the gateway refused the account (%s): %s", refused.code(),
                    refused.message());
        } else {
            LOG.warn("connected account {}: the gateway's answer to the create is unknown ({})", recorded.id(), outcome);
            throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE,
                    "the gateway's answer is unknown; send the same request again: it finishes account %s", recorded.id());
        }
        Optional<String> link = link(provider, created, terms.refreshUrl(), terms.returnUrl()).map(OnboardingLink::url);
        return new Created(created, link);
    }

    public OnboardingLink onboardingLink(PartnerScope scope, String idText, String refreshUrl, String returnUrl) {
        String id = Ids.require(idText, IdPrefix.CONNECTED_ACCOUNT, "id");
        Optional<String> refresh = url(refreshUrl, "refreshUrl");
        Optional<String> back = url(returnUrl, "returnUrl");
        // The mode's gateway first, before the account is looked up, as every gateway call does (GATEWAY_NOT_CONFIGURED precedes NOT_FOUND).
        provider(scope);
        ConnectedAccount account = get(scope, id);
        ConnectProvider provider = providerOf(account);
        String providerAccountId = ready(account);
        ConnectProvider.Outcome<OnboardingLink> outcome = provider.createOnboardingLink(providerAccountId,
                refresh.orElseGet(() -> page(REFRESH_PATH, account.id())), back.orElseGet(() -> page(RETURN_PATH, account.id())));
        return answer(outcome, account);
    }

    public ConnectedAccount get(PartnerScope scope, String idText) {
        String id = Ids.require(idText, IdPrefix.CONNECTED_ACCOUNT, "id");
        return database.inTransaction(tx -> accounts.find(tx, scope, id)).orElseThrow(() -> notFound(id));
    }

    public Page<ConnectedAccount> list(PartnerScope scope, String externalUserId, String status, int pageSize, String pageToken) {
        Optional<String> user = present(Fields.optional(externalUserId, "externalUserId", EXTERNAL_USER_ID_LENGTH_MAX));
        Optional<ConnectedAccountStatus> wanted = present(status).map(text -> ConnectedAccountStatus.fromWireName(text)
                .orElseThrow(() -> PayflowException.of(ErrorReason.INVALID_FIELD,
                        "status: '%s' (expected one of pending, restricted, active, disabled)", text)));
        PageRequest page = PageRequest.of(pageSize, pageToken, "connected-accounts|" + user.orElse("") + "|" + wanted.map(Enum::name).orElse(""));
        return database.inTransaction(tx -> Pages.of(accounts.list(tx, scope, user, wanted, page.afterId(), page.size()), page,
                ConnectedAccount::id));
    }

    public ConnectedAccount update(PartnerScope scope, String idText, UpdateTerms terms) {
        String id = Ids.require(idText, IdPrefix.CONNECTED_ACCOUNT, "id");
        if (!terms.change().isEmpty()) {
            provider(scope);
        }
        ConnectedAccount account = get(scope, id);
        if (account.isDisconnected()) {
            throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_READY, "connected account %s is disconnected", account.id());
        }
        Optional<ConnectedAccount.GatewayState> reported = Optional.empty();
        if (!terms.change().isEmpty()) {
            reported = answer(providerOf(account).updateAccount(ready(account), terms.change()), account);
        }
        Optional<ConnectedAccount.GatewayState> state = reported;
        return database.inTransaction(tx -> {
            ConnectedAccount locked = accounts.findForUpdate(tx, scope, account.id()).orElseThrow();
            ConnectedAccount changed = locked.withDetails(terms.change().email().orElse(locked.email()),
                    terms.metadata().map(Metadata::json).orElse(locked.metadataJson()), services.now());
            if (state.isPresent()) {
                changed = changed.withGateway(state.get(), changed.updatedAt());
            }
            accounts.update(tx, changed);
            events.changed(tx, locked, changed);
            return changed;
        });
    }

    /**
     * Disconnects: refused while the account holds money at the gateway; an Express account is
     * closed there (a Standard one's authorisation revoked). The record stays, disabled.
     */
    public ConnectedAccount disconnect(PartnerScope scope, String idText) {
        String id = Ids.require(idText, IdPrefix.CONNECTED_ACCOUNT, "id");
        provider(scope);
        ConnectedAccount account = get(scope, id);
        if (account.isDisconnected()) {
            return account;
        }
        if (account.providerAccountId().isPresent()) {
            ConnectProvider provider = providerOf(account);
            ConnectedAccountBalance balance = answer(provider.balance(account.providerAccountId().get()), account);
            if (!balance.isZero()) {
                throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_BALANCE_NOT_ZERO,
                        "connected account %s still holds money at the gateway (%s available, %s pending); pay it out first", account.id(),
                        balance.available(), balance.pending());
            }
            answer(provider.disconnect(account.providerAccountId().get(), account.type()), account);
        }
        return markDisconnected(scope, account.id());
    }

    public ConnectedAccountBalance balance(PartnerScope scope, String idText) {
        String id = Ids.require(idText, IdPrefix.CONNECTED_ACCOUNT, "id");
        provider(scope);
        ConnectedAccount account = get(scope, id);
        return answer(providerOf(account).balance(ready(account)), account);
    }

    /**
     * The simulated onboarding page was followed: the simulated account becomes active. Only
     * simulated sandbox accounts qualify; answers the account's id if one was found.
     */
    public Optional<String> completeSimulatedOnboarding(String providerAccountId) {
        if (!SimulatedConnect.isSimulated(providerAccountId)) {
            return Optional.empty();
        }
        return database.inTransaction(tx -> accounts.findForUpdateFromGateway(tx, SimulatedConnect.NAME, false, providerAccountId)
                .filter(account -> !account.isDisconnected())
                .map(locked -> {
                    ConnectedAccount onboarded = locked.withGateway(SimulatedConnect.onboarded(), services.now());
                    accounts.update(tx, onboarded);
                    events.changed(tx, locked, onboarded);
                    return onboarded.id();
                }));
    }

    /** Whether a Stripe event of this type is one of Connect's, applied by {@link #applyStripeEvent}. */
    public static boolean handles(String eventType) {
        return ACCOUNT_UPDATED.equals(eventType) || ACCOUNT_DEAUTHORIZED.equals(eventType) || CAPABILITY_UPDATED.equals(eventType);
    }

    /**
     * Applies a Connect event in the caller's transaction (the one that marks the event
     * processed). An event about an account that is not ours changes nothing. Returns what it did,
     * for the event's record.
     *
     * @param eventAccount the event's {@code account} (the connected account it is about), if it names one
     */
    public String applyStripeEvent(DSLContext tx, String type, boolean livemode, String objectJson, Optional<String> eventAccount) {
        Instant now = services.now();
        switch (type) {
            case ACCOUNT_UPDATED -> {
                String providerAccountId = com.google.gson.JsonParser.parseString(objectJson).getAsJsonObject().get("id").getAsString();
                Optional<ConnectedAccount> found = accounts.findForUpdateFromGateway(tx, StripePayments.NAME, livemode, providerAccountId)
                        .or(() -> ourAccountOf(tx, objectJson, livemode));
                if (found.isEmpty()) {
                    return "not a connected account of ours: " + providerAccountId;
                }
                ConnectedAccount locked = found.get();
                ConnectedAccount changed = locked.providerAccountId().isPresent()
                        ? locked.withGateway(StripeAccounts.state(objectJson), now)
                        : locked.withProviderAccount(providerAccountId, StripeAccounts.state(objectJson), now);
                accounts.update(tx, changed);
                if (locked.providerAccountId().isEmpty()) {
                    // The create's answer was lost, and this event tells us the account exists.
                    events.connected(tx, changed);
                } else {
                    events.changed(tx, locked, changed);
                }
                return "applied to " + locked.id();
            }
            case ACCOUNT_DEAUTHORIZED -> {
                if (eventAccount.isEmpty()) {
                    return "names no account";
                }
                return accounts.findForUpdateFromGateway(tx, StripePayments.NAME, livemode, eventAccount.get()).map(locked -> {
                    if (locked.isDisconnected()) {
                        return "already disconnected: " + locked.id();
                    }
                    ConnectedAccount changed = locked.disconnected(now);
                    accounts.update(tx, changed);
                    events.changed(tx, locked, changed);
                    return "disconnected " + locked.id();
                }).orElse("not a connected account of ours: " + eventAccount.get());
            }
            case CAPABILITY_UPDATED -> {
                Optional<String> providerAccountId = StripeAccounts.accountOfCapability(objectJson).or(() -> eventAccount);
                Optional<Map.Entry<String, String>> capability = StripeAccounts.capability(objectJson);
                if (providerAccountId.isEmpty() || capability.isEmpty()) {
                    return "names no account or capability";
                }
                return accounts.findForUpdateFromGateway(tx, StripePayments.NAME, livemode, providerAccountId.get()).map(locked -> {
                    Map<String, String> capabilities = new HashMap<>(locked.gateway().capabilities());
                    capabilities.put(capability.get().getKey(), capability.get().getValue());
                    ConnectedAccount.GatewayState state = new ConnectedAccount.GatewayState(locked.gateway().chargesEnabled(),
                            locked.gateway().payoutsEnabled(), capabilities, locked.gateway().requirements());
                    ConnectedAccount changed = locked.withGateway(state, now);
                    accounts.update(tx, changed);
                    events.changed(tx, locked, changed);
                    return "applied to " + locked.id();
                }).orElse("not a connected account of ours: " + providerAccountId.get());
            }
            default -> {
                return "not a Connect event";
            }
        }
    }

    /** Our record that an account's metadata names ({@code payflow_connected_account_id}), while it has no gateway id yet. */
    private Optional<ConnectedAccount> ourAccountOf(DSLContext tx, String accountJson, boolean livemode) {
        com.google.gson.JsonObject account = com.google.gson.JsonParser.parseString(accountJson).getAsJsonObject();
        com.google.gson.JsonElement metadata = account.get("metadata");
        if (metadata == null || !metadata.isJsonObject() || !metadata.getAsJsonObject().has(METADATA_ACCOUNT_ID)
                || !metadata.getAsJsonObject().has("payflow_partner_id")) {
            return Optional.empty();
        }
        PartnerScope scope = new PartnerScope(metadata.getAsJsonObject().get("payflow_partner_id").getAsString(), livemode);
        return accounts.findForUpdate(tx, scope, metadata.getAsJsonObject().get(METADATA_ACCOUNT_ID).getAsString())
                .filter(found -> found.providerAccountId().isEmpty() && found.provider().equals(StripePayments.NAME));
    }

    private ConnectedAccount markDisconnected(PartnerScope scope, String id) {
        return database.inTransaction(tx -> {
            ConnectedAccount locked = accounts.findForUpdate(tx, scope, id).orElseThrow();
            if (locked.isDisconnected()) {
                return locked;
            }
            ConnectedAccount changed = locked.disconnected(services.now());
            accounts.update(tx, changed);
            events.changed(tx, locked, changed);
            return changed;
        });
    }

    /** A first onboarding link; a failure to get one leaves the account created (the partner asks for a link again). */
    private Optional<OnboardingLink> link(ConnectProvider provider, ConnectedAccount account, Optional<String> refreshUrl,
            Optional<String> returnUrl) {
        ConnectProvider.Outcome<OnboardingLink> outcome = provider.createOnboardingLink(account.providerAccountId().orElseThrow(),
                refreshUrl.orElseGet(() -> page(REFRESH_PATH, account.id())), returnUrl.orElseGet(() -> page(RETURN_PATH, account.id())));
        if (outcome instanceof ConnectProvider.Outcome.Answered<OnboardingLink> answered) {
            return Optional.of(answered.value());
        }
        LOG.warn("connected account {}: no onboarding link this time ({})", account.id(), outcome);
        return Optional.empty();
    }

    private String page(String path, String accountId) {
        return publicBaseUrl.get() + path + "?account=" + URLEncoder.encode(accountId, StandardCharsets.UTF_8);
    }

    private ConnectProvider provider(PartnerScope scope) {
        ConnectProvider provider = providers.of(scope.livemode()).orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                "no payment gateway is configured for production; connected accounts need one"));
        if (!provider.acceptsCalls()) {
            throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "the payment gateway is failing; retry later");
        }
        return provider;
    }

    /** The provider that holds this account: the mode's, which must be the one that made it. */
    private ConnectProvider providerOf(ConnectedAccount account) {
        ConnectProvider provider = provider(account.scope());
        if (!provider.name().equals(account.provider())) {
            throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_READY, "connected account %s is held by the %s gateway, which is not "
                    + "configured now", account.id(), account.provider());
        }
        return provider;
    }

    private static String ready(ConnectedAccount account) {
        if (account.isDisconnected()) {
            throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_READY, "connected account %s is disconnected", account.id());
        }
        return account.providerAccountId().orElseThrow(() -> PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_READY,
                "connected account %s is not created at the gateway yet; send its create again", account.id()));
    }

    private static <T> T answer(ConnectProvider.Outcome<T> outcome, ConnectedAccount account) {
        if (outcome instanceof ConnectProvider.Outcome.Answered<T> answered) {
            return answered.value();
        }
        if (outcome instanceof ConnectProvider.Outcome.Refused<T> refused) {
            throw PayflowException.of(ErrorReason.CONNECT_ACCOUNT_INVALID, "the gateway refused the request for connected account %s (%s): %s",
                    account.id(), refused.code(), refused.message());
        }
        LOG.warn("connected account {}: the gateway's answer is unknown ({})", account.id(), outcome);
        throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "the payment gateway did not answer; retry later");
    }

    static PayflowException notFound(String id) {
        return PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_FOUND, "connected account %s not found", id);
    }

    static Optional<String> present(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    private static String checkedEmail(String value, String field) {
        if (!EMAIL.matcher(value).matches()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: not an email address", field);
        }
        return value;
    }

    static Optional<String> url(String value, String field) {
        Optional<String> url = present(Fields.optional(value, field, URL_LENGTH_MAX));
        if (url.isPresent() && !url.get().startsWith("https://") && !url.get().startsWith("http://")) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: not an http(s) URL", field);
        }
        return url;
    }
}
