package dev.payflow.core.app;

import dev.payflow.core.persistence.ConnectedAccountRepository;
import dev.payflow.core.persistence.PaymentRouteRepository;
import dev.payflow.core.webhook.ConnectEvents;
import dev.payflow.core.domain.PaymentRoute;
import dev.payflow.core.domain.PlatformFee;
import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.ConnectedAccountStatus;

import dev.payflow.core.domain.CardData;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PartnerSettings;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Refund;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.Text;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.gateway.PaymentProvider;
import dev.payflow.core.gateway.PaymentProviders;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.persistence.PaymentRepository;
import dev.payflow.core.persistence.RefundRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.webhook.PaymentEvents;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payments: money in through a payment provider. No provider call ever runs inside a database
 * transaction: {@link #create} records the payment ({@code pending}) and claims the partner's key
 * in one transaction and commits, calls the provider with the key {@code <pmt_id>:create}, then
 * records what it answered in a second transaction, booking the money through the ledger engine
 * when it was captured. Every status change of a payment goes through {@link #observe}, which
 * also serves the provider's webhooks and recovery: a change is applied only if it moves the
 * payment forward, so answers that arrive twice or out of order book nothing twice and take
 * nothing back.
 */
public final class Payments {
    private static final Logger LOG = LoggerFactory.getLogger(Payments.class);
    /** A gateway token (pm_..., tok_...) is short; 255 is Stripe's own bound for ids. */
    static final int PAYMENT_METHOD_LENGTH_MAX = 255;
    static final int CUSTOMER_LENGTH_MAX = 255;
    /** Browsers and Stripe accept URLs up to about 2 KB. */
    static final int RETURN_URL_LENGTH_MAX = 2_048;
    /** The operation recorded on the partner's key, for CreatePayment and CreditWallet with a payment method alike: the same request. */
    static final String CREATE_OPERATION = "CreatePayment";
    /** The partner's name of the mode's default provider (Stripe, or the simulated one in sandbox without a Stripe key). */
    private static final String STRIPE = "stripe";

    private final Database database;
    private final Services services;
    private final LedgerEngine ledger;
    private final PaymentProviders providers;
    private final PaymentRepository payments;
    private final WalletRepository wallets;
    private final PartnerRepository partners;
    private final LedgerRepository transactions;
    private final IdempotencyRepository idempotency;
    private final RefundRepository refunds = new RefundRepository();
    private final PaymentEvents events;
    private final PaymentDisputes disputes;
    private final ConnectEvents connectEvents;
    private final ConnectedAccountRepository connectedAccounts = new ConnectedAccountRepository();
    private final PaymentRouteRepository routes = new PaymentRouteRepository();

    public Payments(Database database, Services services, LedgerEngine ledger, PaymentProviders providers, PaymentRepository payments,
            WalletRepository wallets, PartnerRepository partners, LedgerRepository transactions, IdempotencyRepository idempotency) {
        this(database, services, ledger, providers, payments, wallets, partners, transactions, idempotency, PaymentEvents.NONE);
    }

    /** @param events the partner events of payment changes, recorded in the transaction of each change (the outbox) */
    public Payments(Database database, Services services, LedgerEngine ledger, PaymentProviders providers, PaymentRepository payments,
            WalletRepository wallets, PartnerRepository partners, LedgerRepository transactions, IdempotencyRepository idempotency,
            PaymentEvents events) {
        this(database, services, ledger, providers, payments, wallets, partners, transactions, idempotency, events, ConnectEvents.NONE);
    }

    /** @param connectEvents the partner events of routed payments ({@code connect.payment.routed}) */
    public Payments(Database database, Services services, LedgerEngine ledger, PaymentProviders providers, PaymentRepository payments,
            WalletRepository wallets, PartnerRepository partners, LedgerRepository transactions, IdempotencyRepository idempotency,
            PaymentEvents events, ConnectEvents connectEvents) {
        this.connectEvents = Objects.requireNonNull(connectEvents, "connectEvents");
        this.events = Objects.requireNonNull(events, "events");
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.payments = Objects.requireNonNull(payments, "payments");
        this.wallets = Objects.requireNonNull(wallets, "wallets");
        this.partners = Objects.requireNonNull(partners, "partners");
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.disputes = new PaymentDisputes(services, ledger, wallets, events);
    }

    /** The disputes of payments (applied from the provider's events). */
    public PaymentDisputes disputes() {
        return disputes;
    }

    /** A payment's disputes, oldest first. */
    public List<dev.payflow.core.domain.Dispute> disputesOf(Payment payment) {
        return disputes.of(database.reader(), payment);
    }

    /** What a payment asks for, validated in the contract's order of precedence (the order of the arguments). */
    public record CreateTerms(Money amount, String paymentMethod, Optional<String> customer, Optional<String> returnUrl, String description,
            Optional<String> walletId, boolean capture, Metadata metadata, Optional<String> connectedAccountId, Optional<String> provider) {
        public CreateTerms {
            Objects.requireNonNull(connectedAccountId, "connectedAccountId");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(paymentMethod, "paymentMethod");
            Objects.requireNonNull(customer, "customer");
            Objects.requireNonNull(returnUrl, "returnUrl");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(walletId, "walletId");
            Objects.requireNonNull(metadata, "metadata");
        }

        /** Terms that name no provider: the mode's default one. */
        public CreateTerms(Money amount, String paymentMethod, Optional<String> customer, Optional<String> returnUrl, String description,
                Optional<String> walletId, boolean capture, Metadata metadata, Optional<String> connectedAccountId) {
            this(amount, paymentMethod, customer, returnUrl, description, walletId, capture, metadata, connectedAccountId, Optional.empty());
        }

        /** The providers a payment may name. */
        public static final java.util.List<String> PROVIDERS = java.util.List.of("stripe", "paypal");

        /** These terms through the provider named (empty: the mode's default), checked last: {@code stripe} or {@code paypal}. */
        public CreateTerms withProvider(String name) {
            if (name == null || name.isEmpty()) {
                return this;
            }
            if (!PROVIDERS.contains(name)) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "provider: %s (expected: stripe or paypal)", dev.payflow.core.domain.Strings.forMessage(name));
            }
            return new CreateTerms(amount, paymentMethod, customer, returnUrl, description, walletId, capture, metadata, connectedAccountId,
                    Optional.of(name));
        }

        /** Validates, in order: currency, amount, payment method, customer, return URL, description, wallet id, metadata. */
        public static CreateTerms of(String amount, String currency, String paymentMethod, String customer, String returnUrl,
                String description, String walletId, boolean capture, Metadata metadata) {
            return of(amount, currency, paymentMethod, customer, returnUrl, description, walletId, capture, metadata, "");
        }

        /** As above, then the connected account the payment is routed to (not together with a wallet). */
        public static CreateTerms of(String amount, String currency, String paymentMethod, String customer, String returnUrl,
                String description, String walletId, boolean capture, Metadata metadata, String connectedAccountId) {
            Money money = Money.parsePositive(amount, CurrencyUnit.of(currency));
            String method = paymentMethod(paymentMethod);
            Optional<String> customerId = optional(Fields.optional(customer, "customer", CUSTOMER_LENGTH_MAX));
            Optional<String> url = optional(Fields.optional(returnUrl, "returnUrl", RETURN_URL_LENGTH_MAX));
            if (url.isPresent() && !url.get().startsWith("https://") && !url.get().startsWith("http://")) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "returnUrl: not an http(s) URL");
            }
            String text = MovementTerms.description(description);
            Optional<String> wallet = optional(walletId).map(id -> Ids.require(id, IdPrefix.WALLET, "walletId"));
            Optional<String> routedTo = optional(connectedAccountId).map(id -> Ids.require(id, IdPrefix.CONNECTED_ACCOUNT, "connectedAccountId"));
            if (wallet.isPresent() && routedTo.isPresent()) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD,
                        "connectedAccountId: a payment routed to a connected account funds no wallet; leave out walletId");
            }
            return new CreateTerms(money, method, customerId, url, text, wallet, capture, metadata.validated(), routedTo);
        }

        /** A wallet credit with a payment method: the terms of the credit, already validated, and the method. */
        public static CreateTerms forCredit(MovementTerms.OnWallet credit, String paymentMethod) {
            return new CreateTerms(credit.amount(), paymentMethod(paymentMethod), Optional.empty(), Optional.empty(), credit.description(),
                    Optional.of(credit.walletId()), true, credit.metadata(), Optional.empty());
        }

        /**
         * Whether a payment method is a Stripe token ({@code pm_}, {@code tok_}, {@code src_},
         * {@code card_}, {@code ba_}): Stripe's alone, never charged through another provider.
         */
        static boolean isStripeToken(String paymentMethod) {
            return STRIPE_TOKEN.matcher(paymentMethod).matches();
        }

        private static final java.util.regex.Pattern STRIPE_TOKEN = java.util.regex.Pattern.compile("(pm|tok|src|card|ba)_[A-Za-z0-9_]+");

        private static String paymentMethod(String text) {
            // A card number is not a token: refused as card data before the token's format is checked.
            String method = CardData.refuseAsToken(Fields.required(text, "paymentMethod", PAYMENT_METHOD_LENGTH_MAX), "paymentMethod");
            if (!method.matches("[A-Za-z0-9_]+")) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "paymentMethod: letters, digits and '_' only (a gateway token such as pm_card_visa)");
            }
            return method;
        }

        /** A named provider is part of the request (the same key naming another provider is another request); none keeps the old fingerprint. */
        private Object[] withNamedProvider(Object[] parameters) {
            if (provider.isEmpty()) {
                return parameters;
            }
            Object[] named = java.util.Arrays.copyOf(parameters, parameters.length + 1);
            named[parameters.length] = "provider=" + provider.get();
            return named;
        }

        private Object[] fingerprint() {
            Object[] unrouted = {amount.minorUnits(), amount.currency(), paymentMethod, customer.orElse(""), returnUrl.orElse(""), description,
                    walletId.orElse(""), capture, metadata.json()};
            if (connectedAccountId.isEmpty()) {
                // The fingerprint of an unrouted payment is what it always was: keys recorded before routing existed still replay.
                return withNamedProvider(unrouted);
            }
            Object[] routed = java.util.Arrays.copyOf(unrouted, unrouted.length + 1);
            routed[unrouted.length] = connectedAccountId.get();
            return withNamedProvider(routed);
        }
    }

    /** What the first transaction of a create left: a new payment to send, the payment a replay returns, or a refusal. */
    private record Recorded(Optional<Payment> created, Optional<Payment> replayed, Optional<PayflowException> refusal) {
    }

    /**
     * Creates a payment and sends it to the provider; a replay (same key, same terms) returns the
     * payment as it is now. {@code causeId} is the request id, kept in the status history.
     */
    public Payment create(PartnerScope scope, CreateTerms terms, IdempotencyKey key, String causeId) {
        Routing routing = route(scope, terms);
        PaymentProvider provider = routing.provider();
        if (scope.livemode() && !provider.settles(terms.amount().currency().code())) {
            throw PayflowException.of(ErrorReason.UNSUPPORTED_CURRENCY, "currency %s: live payments are accepted only in currencies %s settles "
                    + "without conversion for this account", terms.amount().currency().code(), provider.name());
        }
        available(provider);
        Recorded recorded = database.inTransaction(tx -> record(tx, scope, terms, key, provider, causeId, routing.movedFrom()));
        if (recorded.refusal().isPresent()) {
            throw recorded.refusal().get();
        }
        if (recorded.replayed().isPresent()) {
            return recorded.replayed().get();
        }
        Payment payment = recorded.created().orElseThrow();
        // Committed: from here a crash leaves a pending payment that recovery settles with the provider.
        PaymentProvider.CallOutcome outcome = provider.createPayment(new PaymentProvider.CreatePayment(payment.id(), payment.amount(),
                payment.paymentMethod(), payment.customer(), payment.capture(), payment.returnUrl(), payment.description(),
                providerMetadata(scope, payment), payment.id() + ":create", destinationOf(payment)));
        Payment answered = database.inTransaction(tx -> recordOutcome(tx, scope, payment.id(), outcome, causeId));
        if (answered.status().isCaptured()) {
            settleFee(answered);
            return payments.find(database.reader(), scope, answered.id()).orElseThrow();
        }
        return answered;
    }

    /** The names of the providers payments are recorded with (the stuck-payments gauge asks about each). */
    List<String> providerNames() {
        return List.of(STRIPE, dev.payflow.core.gateway.PayPalPayments.NAME, dev.payflow.core.gateway.SimulatedGateway.NAME);
    }

    /** How long a payment of this provider may wait for its payer, if the provider is configured. */
    Optional<java.time.Duration> approvalWindowOf(String provider) {
        return providers.approvalWindowOf(provider);
    }

    /** What a partner's app needs to make payment-method tokens: the provider of its mode and its publishable key. */
    public record ProviderConfig(String provider, String publishableKey) {
    }

    public ProviderConfig config(PartnerScope scope) {
        PaymentProvider provider = providerFor(scope);
        return new ProviderConfig(provider.name(), provider.publishableKey());
    }

    /**
     * Where a payment goes: the provider it names, or the one that keeps its token, or the
     * partner's default; and, while that one's circuit breaker is open, the partner's fallback if
     * the payment may move there. {@code movedFrom} names the provider it left.
     */
    private record Routing(PaymentProvider provider, Optional<String> movedFrom) {
    }

    private Routing route(PartnerScope scope, CreateTerms terms) {
        PartnerSettings settings = partners.find(database.reader(), scope.partnerId()).orElseThrow().settings();
        // A Stripe token is charged by Stripe only, whatever the partner's default.
        Optional<String> owner = terms.provider().or(() -> CreateTerms.isStripeToken(terms.paymentMethod())
                ? Optional.of(STRIPE) : Optional.empty());
        String chosen = owner.orElse(settings.defaultProvider());
        PaymentProvider provider = enabledProvider(scope, settings, chosen, terms.provider().isPresent());
        if (provider.acceptsCalls() || settings.fallbackProvider().isEmpty()) {
            return new Routing(provider, Optional.empty());
        }
        // Only a payment bound to nothing may move: no provider named (nor through its paymentMethodId), no token, no connected account.
        // Every paymentMethod PayPal takes is PayPal's (its approval, or one of its vault tokens), so nothing moves away from PayPal.
        if (owner.isPresent() || terms.connectedAccountId().isPresent() || chosen.equals(dev.payflow.core.gateway.PayPalPayments.NAME)) {
            return new Routing(provider, Optional.empty());
        }
        String fallbackName = settings.fallbackProvider().get();
        Optional<PaymentProvider> fallback = fallbackName.equals(STRIPE) ? providers.forLivemode(scope.livemode())
                : providers.named(scope.livemode(), fallbackName);
        if (fallback.isEmpty() || !fallback.get().acceptsCalls() || fallback.get() == provider) {
            return new Routing(provider, Optional.empty());
        }
        return new Routing(fallback.get(), Optional.of(provider.name()));
    }

    /** The provider of this name (a partner's name: {@code stripe} or {@code paypal}) if the partner enables it and the mode has it. */
    private PaymentProvider enabledProvider(PartnerScope scope, PartnerSettings settings, String name, boolean named) {
        if (!settings.enables(name)) {
            throw PayflowException.of(ErrorReason.PROVIDER_NOT_ENABLED, "provider: %s is not enabled for this partner (enabled: %s)", name,
                    String.join(", ", settings.enabledProviders()));
        }
        if (named || !name.equals(STRIPE)) {
            return namedProvider(scope, name);
        }
        // Not named, "stripe" is the mode's default provider, as before partners chose: Stripe, or the simulated one in sandbox.
        return providerFor(scope);
    }

    private PaymentProvider providerFor(PartnerScope scope) {
        return providers.forLivemode(scope.livemode()).orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                "no payment gateway is configured for live mode, so payments cannot be taken yet"));
    }

    /** The provider a payment names, if it is configured in the payment's mode. */
    private PaymentProvider namedProvider(PartnerScope scope, String name) {
        return providers.named(scope.livemode(), name).orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                "provider: %s is not configured in %s mode", name, scope.livemode() ? "live" : "test"));
    }

    /** The mode's provider, if it takes calls now: while its circuit breaker is open, refused before anything is recorded or any key claimed. */
    private PaymentProvider availableProviderFor(PartnerScope scope) {
        return available(providerFor(scope));
    }

    private static PaymentProvider available(PaymentProvider provider) {
        if (!provider.acceptsCalls()) {
            throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE,
                    "%s has been failing, so PayFlow is not calling it for a while; nothing was recorded: retry with the same idempotency key",
                    provider.name());
        }
        return provider;
    }

    private Recorded record(DSLContext tx, PartnerScope scope, CreateTerms terms, IdempotencyKey key, PaymentProvider provider,
            String causeId, Optional<String> movedFrom) {
        Instant now = services.now();
        String fingerprint = fingerprint(CREATE_OPERATION, terms.fingerprint());
        IdempotencyRepository.Claim claim = idempotency.claim(tx, scope, key.value(), CREATE_OPERATION, fingerprint, now);
        if (claim == IdempotencyRepository.Claim.BUSY) {
            throw keyInUse();
        }
        if (claim == IdempotencyRepository.Claim.USED) {
            IdempotencyRepository.Record earlier = idempotency.find(tx, scope, key.value()).orElseThrow();
            if (!earlier.operation().equals(CREATE_OPERATION) || !earlier.fingerprint().equals(fingerprint)) {
                throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED,
                        "this idempotency key was already used for a different request (%s with other parameters)", earlier.operation());
            }
            if (earlier.errorReason().isPresent()) {
                return new Recorded(Optional.empty(), Optional.empty(), Optional.of(
                        new PayflowException(ErrorReason.valueOf(earlier.errorReason().get()), earlier.errorMessage().orElse(""))));
            }
            return new Recorded(Optional.empty(), Optional.of(payments.findByIdempotencyKey(tx, scope, key.value()).orElseThrow(Payments::keyInUse)),
                    Optional.empty());
        }
        Optional<PayflowException> refused = terms.walletId().flatMap(walletId -> walletRefuses(tx, scope, walletId, terms.amount()))
                .or(() -> terms.connectedAccountId().flatMap(accountId -> routeRefuses(tx, scope, accountId, provider)));
        if (refused.isPresent()) {
            // A business rule consumes the key: its replay answers the same.
            idempotency.recordError(tx, scope, key.value(), refused.get().reason().name(), refused.get().getMessage());
            return new Recorded(Optional.empty(), Optional.empty(), refused);
        }
        Payment.StatusChange first = new Payment.StatusChange(PaymentStatus.PENDING, now, Payment.Cause.API, causeId);
        Payment payment = new Payment(services.ids().next(IdPrefix.PAYMENT), scope, PaymentStatus.PENDING, terms.amount(), 0, provider.name(),
                Optional.empty(), terms.paymentMethod(), terms.customer(), terms.walletId(), terms.capture(), terms.returnUrl(),
                terms.description(), key.value(), terms.metadata().json(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                now, now, List.of(first));
        payments.insert(tx, payment, first);
        if (movedFrom.isPresent()) {
            // The history says where the payment would have gone: the line after the first names the provider it left.
            Payment.StatusChange moved = new Payment.StatusChange(PaymentStatus.PENDING, now, Payment.Cause.FALLBACK, movedFrom.get());
            payments.update(tx, payment, Optional.of(moved));
            payment = payments.find(tx, scope, payment.id()).orElseThrow();
            LOG.info("payment {} went to {} instead of {}, whose circuit breaker is open", payment.id(), provider.name(), movedFrom.get());
        }
        if (terms.connectedAccountId().isPresent()) {
            int basisPoints = partners.find(tx, scope.partnerId()).orElseThrow().settings().platformFeeBasisPoints();
            routes.attach(tx, scope, new PaymentRoute(payment.id(), terms.connectedAccountId().get(), PlatformFee.of(terms.amount(), basisPoints)));
        }
        return new Recorded(Optional.of(payment), Optional.empty(), Optional.empty());
    }

    /** The connected account checks, made when the payment is recorded: it must exist, be connected and take charges, at this provider. */
    private Optional<PayflowException> routeRefuses(DSLContext tx, PartnerScope scope, String accountId, PaymentProvider provider) {
        Optional<ConnectedAccount> account = connectedAccounts.find(tx, scope, accountId);
        if (account.isEmpty()) {
            return Optional.of(ConnectAccounts.notFound(accountId));
        }
        if (account.get().status() == ConnectedAccountStatus.DISABLED || account.get().providerAccountId().isEmpty()
                || !account.get().provider().equals(provider.name())) {
            return Optional.of(PayflowException.of(ErrorReason.CONNECT_ROUTING_FAILED, "connected account %s cannot take payments: it is %s",
                    accountId, account.get().isDisconnected() ? "disconnected" : account.get().status() == ConnectedAccountStatus.DISABLED
                            ? "disabled by the gateway" : account.get().providerAccountId().isEmpty() ? "not created at the gateway yet"
                            : "held by the " + account.get().provider() + " gateway, not " + provider.name()));
        }
        if (!account.get().chargesEnabled()) {
            return Optional.of(PayflowException.of(ErrorReason.CONNECT_ACCOUNT_NOT_READY,
                    "connected account %s cannot take charges yet (its holder has not finished onboarding)", accountId));
        }
        return Optional.empty();
    }

    /** Where a payment is routed, if it is. */
    public Optional<PaymentRoute> routeOf(Payment payment) {
        return routes.find(database.reader(), payment.scope(), payment.id());
    }

    /** The destination charge of a routed payment: the gateway's id of its connected account and the platform's fee. */
    private Optional<PaymentProvider.Destination> destinationOf(Payment payment) {
        return database.inTransaction(tx -> routes.find(tx, payment.scope(), payment.id()).map(route -> new PaymentProvider.Destination(
                connectedAccounts.find(tx, payment.scope(), route.connectedAccountId()).orElseThrow().providerAccountId().orElseThrow(),
                route.platformFee().minorUnits())));
    }

    /** The wallet checks of the ledger, made when the payment is recorded (the credit itself is booked later, when captured). */
    private Optional<PayflowException> walletRefuses(DSLContext tx, PartnerScope scope, String walletId, Money amount) {
        Optional<Wallet> wallet = wallets.find(tx, scope, walletId);
        if (wallet.isEmpty()) {
            return Optional.of(WalletManagement.notFound(walletId));
        }
        if (!wallet.get().currency().equals(amount.currency())) {
            return Optional.of(PayflowException.of(ErrorReason.CURRENCY_MISMATCH, "wallet %s holds %s, but the request is in %s", walletId,
                    wallet.get().currency(), amount.currency()));
        }
        for (WalletStatus blocking : List.of(WalletStatus.CLOSED, WalletStatus.FROZEN)) {
            if (wallet.get().status() == blocking) {
                try {
                    blocking.requireMoneyCanMove(walletId);
                } catch (PayflowException refused) {
                    return Optional.of(refused);
                }
            }
        }
        return Optional.empty();
    }

    /** What the provider keeps on its object, so that its events, dashboard and searches lead back to us. */
    private Map<String, String> providerMetadata(PartnerScope scope, Payment payment) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("payflow_payment_id", payment.id());
        metadata.put("payflow_livemode", String.valueOf(scope.livemode()));
        database.inTransaction(tx -> {
            partners.find(tx, scope.partnerId()).ifPresent(partner -> metadata.put("partner_name", partner.name()));
            payment.walletId().flatMap(id -> wallets.find(tx, scope, id)).ifPresent(wallet -> {
                metadata.put("payflow_wallet_id", wallet.id());
                metadata.put("partner_user_id", wallet.externalUserId());
                metadata.put("partner_reference", wallet.externalWalletId());
            });
            return null;
        });
        return metadata;
    }

    private Payment recordOutcome(DSLContext tx, PartnerScope scope, String paymentId, PaymentProvider.CallOutcome outcome, String causeId) {
        Payment payment = payments.findForUpdate(tx, scope, paymentId).orElseThrow();
        if (outcome instanceof PaymentProvider.CallOutcome.Answered answered) {
            observe(tx, payment, answered.payment(), Payment.Cause.GATEWAY, causeId);
        } else if (outcome instanceof PaymentProvider.CallOutcome.Refused refused) {
            PaymentProvider.ProviderPayment failed = new PaymentProvider.ProviderPayment(
                    refused.providerPaymentId().or(payment::providerPaymentId).orElse(""), PaymentStatus.FAILED, Optional.empty(),
                    Optional.of(refused.code()), Optional.of(refused.message()), "error", refused.errorJson());
            observe(tx, payment, failed, Payment.Cause.GATEWAY, causeId);
        } else {
            // Unknown: the payment stays pending; a webhook or recovery settles it.
            LOG.warn("payment {}: the provider's answer is unknown ({}); it stays pending", paymentId, ((PaymentProvider.CallOutcome.Unknown) outcome).why());
        }
        return payments.find(tx, scope, paymentId).orElseThrow();
    }

    /**
     * The one place a payment's status changes, under its row lock (the caller holds it): keeps
     * the provider's object, applies the new status if the payment may still take it, books the
     * money once when it is captured, and appends the change to the status history (where
     * partner events will be hooked). A status the payment may no longer take (a failure after a
     * success, an answer that arrives twice) changes nothing.
     */
    public Payment observe(DSLContext tx, Payment payment, PaymentProvider.ProviderPayment seen, Payment.Cause cause, String causeId) {
        Instant now = services.now();
        Optional<String> providerPaymentId = payment.providerPaymentId().or(() -> Optional.of(seen.providerPaymentId()).filter(id -> !id.isEmpty()));
        providerPaymentId.ifPresent(id -> payments.recordGatewayObject(tx, payment, payment.provider(), id, seen.objectType(),
                seen.status().wireName(), seen.objectJson(), now));
        if (!payment.status().canBecome(seen.status())) {
            if (providerPaymentId.isPresent() && payment.providerPaymentId().isEmpty()) {
                update(tx, payment, with(payment, payment.status(), providerPaymentId, payment.transactionId(), payment.nextAction(),
                        payment.failureCode(), payment.failureMessage(), now), Optional.empty());
            }
            return payment;
        }
        Optional<String> transactionId = payment.transactionId();
        if (seen.status().isCaptured() && transactionId.isEmpty()) {
            transactionId = Optional.of(bookCapture(tx, payment, providerPaymentId.orElse("")));
        }
        Payment changed = with(payment, seen.status(), providerPaymentId, transactionId,
                seen.status() == PaymentStatus.REQUIRES_ACTION ? seen.nextAction() : Optional.empty(),
                seen.status() == PaymentStatus.FAILED ? seen.failureCode() : Optional.empty(),
                seen.status() == PaymentStatus.FAILED ? seen.failureMessage() : Optional.empty(), now);
        update(tx, payment, changed, Optional.of(new Payment.StatusChange(seen.status(), now, cause, causeId)));
        if (transactionId.isPresent() && payment.transactionId().isEmpty()) {
            // Now that the payment names its transaction, the gateway record does too.
            providerPaymentId.ifPresent(id -> payments.recordGatewayObject(tx, changed, changed.provider(), id, seen.objectType(),
                    seen.status().wireName(), seen.objectJson(), now));
        }
        return changed;
    }

    /**
     * Books the captured money once (the key {@code sys:payment:<pmt_id>:capture} guards it): from
     * the provider's clearing account to the wallet, or to the partner's settlement account when
     * the payment names none. If the wallet can no longer take it (frozen or closed since the
     * payment began), the money is the partner's all the same and goes to settlement.
     */
    private String bookCapture(DSLContext tx, Payment payment, String providerPaymentId) {
        LedgerAccount clearing = new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payment.provider());
        Instruction.GatewayReference reference = transactionId -> Optional.of(providerPaymentId).filter(id -> !id.isEmpty());
        Optional<PaymentRoute> route = routes.find(tx, payment.scope(), payment.id());
        if (route.isPresent()) {
            return bookRouted(tx, payment, route.get(), clearing, reference, providerPaymentId);
        }
        if (payment.walletId().isPresent()) {
            Instruction.Post credit = new Instruction.Post(TransactionType.CREDIT, payment.amount(), clearing,
                    new LedgerAccount.Wallet(payment.walletId().get()), payment.description(), payment.metadataJson(), payment.provider(), reference);
            LedgerEngine.Outcome outcome = ledger.bookWithin(tx, payment.scope(), Movement.of("PaymentCaptured",
                    IdempotencyKey.system("payment", payment.id(), "capture"), credit, payment.id(), providerPaymentId));
            if (outcome.booking().isPresent()) {
                return outcome.booking().get().requireTransaction().id();
            }
            LOG.warn("payment {}: wallet {} refused the captured money ({}); it goes to the partner's settlement account", payment.id(),
                    payment.walletId().get(), outcome.refusal().orElseThrow().reason());
        }
        Instruction.Post proceeds = new Instruction.Post(TransactionType.PAYMENT, payment.amount(), clearing,
                LedgerAccount.System.of(SystemAccountKind.SETTLEMENT), payment.description(), payment.metadataJson(), payment.provider(), reference);
        return ledger.bookWithin(tx, payment.scope(), Movement.of("PaymentCaptured", IdempotencyKey.system("payment", payment.id(), "settle"),
                proceeds, payment.id(), providerPaymentId)).orThrow().requireTransaction().id();
    }

    /**
     * A routed payment's capture, in two legs that mirror what the gateway does: the whole amount
     * comes in to the platform's fee account ({@code payment}, key {@code sys:payment:<pmt_id>:route}),
     * and all of it but the fee leaves again to the connected account ({@code payment}, key
     * {@code ...:transfer}). So {@code platform_fees} keeps the fee, {@code gateway_clearing} owes
     * only the fee, and no wallet is touched. The first leg is the payment's transaction.
     */
    private String bookRouted(DSLContext tx, Payment payment, PaymentRoute route, LedgerAccount clearing, Instruction.GatewayReference reference,
            String providerPaymentId) {
        LedgerAccount platformFees = LedgerAccount.System.of(SystemAccountKind.PLATFORM_FEES);
        String transactionId = ledger.bookWithin(tx, payment.scope(), Movement.of("PaymentRouted", IdempotencyKey.system("payment", payment.id(),
                "route"), new Instruction.Post(TransactionType.PAYMENT, payment.amount(), clearing, platformFees, payment.description(),
                        payment.metadataJson(), payment.provider(), reference), payment.id(), providerPaymentId)).orThrow().requireTransaction().id();
        Money transferred = payment.amount().minus(route.platformFee());
        if (transferred.minorUnits() > 0) {
            ledger.bookWithin(tx, payment.scope(), Movement.of("PaymentRouted", IdempotencyKey.system("payment", payment.id(), "transfer"),
                    new Instruction.Post(TransactionType.PAYMENT, transferred, platformFees, clearing, "Transfer of " + payment.id() + " to "
                            + route.connectedAccountId(), "{}", payment.provider(), reference), payment.id(), providerPaymentId)).orThrow();
        }
        connectEvents.paymentRouted(tx, payment.scope(), route, payment.amount(), transactionId);
        return transactionId;
    }

    // --- The provider's fee ---------------------------------------------------------------------

    /**
     * Books the provider's fee of a captured payment once it is known: asked of the provider
     * outside any transaction (the balance transaction of its charge), then booked once under
     * the payment's row lock, from the provider's {@code gateway_fees} account to its
     * {@code gateway_clearing} account (key {@code sys:payment:<pmt_id>:fee}), so clearing
     * mirrors what the provider will pay out, net of fees. Not known yet: nothing is booked and
     * {@link #settleDueFees} asks again later. Returns whether the fee is now known.
     */
    public boolean settleFee(Payment payment) {
        if (!payment.status().isCaptured() || payment.providerPaymentId().isEmpty()
                || payments.feeKnown(database.reader(), payment.id())) {
            return false;
        }
        Optional<PaymentProvider> provider = providers.named(payment.scope().livemode(), payment.provider());
        if (provider.isEmpty()) {
            return false;
        }
        PaymentProvider.FeeOutcome fee = provider.get().feeOf(payment.providerPaymentId().get());
        if (fee instanceof PaymentProvider.FeeOutcome.NotYet notYet) {
            LOG.info("payment {}: the fee of {} is not known yet ({})", payment.id(), payment.providerPaymentId().get(), notYet.why());
            return false;
        }
        if (fee instanceof PaymentProvider.FeeOutcome.Known known && !known.currency().equals(payment.amount().currency().code())) {
            // Payments are accepted only in currencies the provider settles without conversion: this is not expected.
            LOG.error("payment {}: fee of {} in {}, the payment is in {}; not booked", payment.id(), known.balanceTransactionId(),
                    known.currency(), payment.amount().currency().code());
            return false;
        }
        return database.inTransaction(tx -> {
            Payment locked = payments.findForUpdate(tx, payment.scope(), payment.id()).orElseThrow();
            if (payments.feeKnown(tx, locked.id())) {
                return true;
            }
            if (!(fee instanceof PaymentProvider.FeeOutcome.Known known) || known.feeMinor() == 0) {
                payments.recordFee(tx, locked.id(), 0, Optional.empty());
                return true;
            }
            payments.recordGatewayObject(tx, locked, locked.provider(), known.balanceTransactionId(), "balance_transaction", "fee",
                    known.objectJson(), services.now());
            Instruction.Post post = new Instruction.Post(TransactionType.FEE, new Money(known.feeMinor(), locked.amount().currency()),
                    new LedgerAccount.System(SystemAccountKind.GATEWAY_FEES, locked.provider()),
                    new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, locked.provider()),
                    locked.provider() + " fee of " + locked.id(), "{}", locked.provider(),
                    transactionId -> Optional.of(known.balanceTransactionId()));
            String transactionId = ledger.bookWithin(tx, locked.scope(), Movement.of("PaymentFee", IdempotencyKey.system("payment", locked.id(), "fee"),
                    post, locked.id(), known.balanceTransactionId(), known.feeMinor())).orThrow().requireTransaction().id();
            payments.recordFee(tx, locked.id(), known.feeMinor(), Optional.of(transactionId));
            return true;
        });
    }

    /** Asks again about the fees not known yet, a bounded batch leased with SKIP LOCKED. Returns how many it asked about. */
    public int settleDueFees(java.time.Duration after) {
        Instant now = services.now();
        List<Payment> leased = database.inTransaction(tx -> payments.leaseForFee(tx, now.minus(after), now, FEE_BATCH_MAX));
        for (Payment payment : leased) {
            try {
                settleFee(payment);
            } catch (RuntimeException e) {
                LOG.error("the fee of payment {} could not be settled", payment.id(), e);
            }
        }
        return leased.size();
    }

    /** Fees asked about per sweep: each is one gateway call. */
    static final int FEE_BATCH_MAX = 50;

    private static Payment with(Payment p, PaymentStatus status, Optional<String> providerPaymentId, Optional<String> transactionId,
            Optional<Payment.NextAction> nextAction, Optional<String> failureCode, Optional<String> failureMessage, Instant now) {
        return new Payment(p.id(), p.scope(), status, p.amount(), p.amountRefundedMinor(), p.provider(), providerPaymentId, p.paymentMethod(),
                p.customer(), p.walletId(), p.capture(), p.returnUrl(), p.description(), p.idempotencyKey(), p.metadataJson(), transactionId,
                nextAction, failureCode, failureMessage, p.createdAt(), now, p.statusHistory());
    }

    // --- Capture and cancel ---------------------------------------------------------------------

    /** What claiming a partner's key for an operation on one payment found: a fresh claim, or the error its first use met. */
    private record Claim(boolean fresh, Optional<PayflowException> earlierError) {
    }

    private Claim claim(DSLContext tx, PartnerScope scope, IdempotencyKey key, String operation, Object... fingerprintParameters) {
        String fingerprint = fingerprint(operation, fingerprintParameters);
        IdempotencyRepository.Claim claim = idempotency.claim(tx, scope, key.value(), operation, fingerprint, services.now());
        if (claim == IdempotencyRepository.Claim.BUSY) {
            throw keyInUse();
        }
        if (claim == IdempotencyRepository.Claim.CLAIMED) {
            return new Claim(true, Optional.empty());
        }
        IdempotencyRepository.Record earlier = idempotency.find(tx, scope, key.value()).orElseThrow();
        if (!earlier.operation().equals(operation) || !earlier.fingerprint().equals(fingerprint)) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED,
                    "this idempotency key was already used for a different request (%s with other parameters)", earlier.operation());
        }
        return new Claim(false, earlier.errorReason().map(reason -> new PayflowException(ErrorReason.valueOf(reason),
                earlier.errorMessage().orElse(""))));
    }

    /** Records a business-rule refusal on the partner's key (its replay answers the same) and hands it back to be thrown after the commit. */
    private PayflowException refuse(DSLContext tx, PartnerScope scope, IdempotencyKey key, PayflowException refusal) {
        idempotency.recordError(tx, scope, key.value(), refusal.reason().name(), refusal.getMessage());
        return refusal;
    }

    /**
     * Captures a payment created with {@code capture: false}, in full. Safe to retry with the same
     * key: while the payment still waits for its capture, a retry sends the same call (the
     * provider's key {@code <pmt_id>:capture} makes it one capture); after, it answers the payment as it is.
     */
    public Payment capture(PartnerScope scope, String idText, IdempotencyKey key, String causeId) {
        Payment captured = changeAtProvider(scope, idText, key, causeId, "CapturePayment", PaymentStatus.REQUIRES_CAPTURE,
                (provider, payment) -> provider.capturePayment(payment.providerPaymentId().orElseThrow(), payment.id() + ":capture"));
        if (captured.status().isCaptured()) {
            settleFee(captured);
        }
        return captured;
    }

    /** Cancels a payment that is not captured (waiting for 3-D Secure or for its capture); nothing was booked, nothing is. */
    public Payment cancel(PartnerScope scope, String idText, IdempotencyKey key, String causeId) {
        return changeAtProvider(scope, idText, key, causeId, "CancelPayment", null,
                (provider, payment) -> provider.cancelPayment(payment.providerPaymentId().orElseThrow(), payment.id() + ":cancel"));
    }

    private interface ProviderChange {
        PaymentProvider.CallOutcome call(PaymentProvider provider, Payment payment);
    }

    /** Record-commit-call-record for a change asked of the provider: capture (from requires_capture) or cancel (from requires_action or requires_capture). */
    private Payment changeAtProvider(PartnerScope scope, String idText, IdempotencyKey key, String causeId, String operation,
            PaymentStatus requiredStatus, ProviderChange change) {
        String paymentId = Ids.require(idText, IdPrefix.PAYMENT, "id");
        // As for a create: a mode without a gateway, or whose gateway is failing, answers before anything is looked up or recorded.
        availableProviderFor(scope);
        java.util.Set<PaymentStatus> from = requiredStatus != null ? java.util.EnumSet.of(requiredStatus)
                : java.util.EnumSet.of(PaymentStatus.REQUIRES_ACTION, PaymentStatus.REQUIRES_CAPTURE);
        Object[] checked = database.inTransaction(tx -> {
            Claim claim = claim(tx, scope, key, operation, paymentId);
            if (claim.earlierError().isPresent()) {
                return new Object[] {claim.earlierError().get()};
            }
            Optional<Payment> payment = payments.findForUpdate(tx, scope, paymentId);
            if (payment.isEmpty()) {
                return new Object[] {claim.fresh() ? refuse(tx, scope, key, notFound(paymentId)) : notFound(paymentId)};
            }
            if (!from.contains(payment.get().status()) || payment.get().providerPaymentId().isEmpty()) {
                if (!claim.fresh()) {
                    // A replay after the change was made: the payment as it is now.
                    return new Object[] {payment.get()};
                }
                return new Object[] {refuse(tx, scope, key, PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION,
                        "payment %s is %s: %s needs it %s", paymentId, payment.get().status().wireName(), operation,
                        from.stream().map(PaymentStatus::wireName).sorted().toList()))};
            }
            return new Object[] {payment.get(), Boolean.TRUE};
        });
        if (checked[0] instanceof PayflowException refused) {
            throw refused;
        }
        Payment payment = (Payment) checked[0];
        if (checked.length == 1) {
            return payment;
        }
        PaymentProvider provider = providerOf(payment);
        PaymentProvider.CallOutcome outcome = change.call(provider, payment);
        Payment after = database.inTransaction(tx -> {
            Payment locked = payments.findForUpdate(tx, scope, paymentId).orElseThrow();
            if (outcome instanceof PaymentProvider.CallOutcome.Answered answered) {
                observe(tx, locked, answered.payment(), Payment.Cause.API, causeId);
            } else if (outcome instanceof PaymentProvider.CallOutcome.Refused refused) {
                throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "%s refused %s of payment %s: %s (%s)", provider.name(),
                        operation, paymentId, refused.message(), refused.code());
            }
            return payments.find(tx, scope, paymentId).orElseThrow();
        });
        if (outcome instanceof PaymentProvider.CallOutcome.Unknown unknown) {
            LOG.warn("payment {}: {} outcome unknown ({}); retry with the same key", paymentId, operation, unknown.why());
            throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "%s did not answer %s of payment %s; retry with the same idempotency key",
                    provider.name(), operation, paymentId);
        }
        return after;
    }

    /** The provider that serves a payment: the one of its mode, which must be the one it was made with. */
    private PaymentProvider providerOf(Payment payment) {
        return providers.named(payment.scope().livemode(), payment.provider()).orElseThrow(() -> PayflowException.of(
                ErrorReason.GATEWAY_NOT_CONFIGURED, "payment %s was made through %s, which is no longer configured", payment.id(),
                payment.provider()));
    }

    // --- Refunds ---------------------------------------------------------------------------------

    /**
     * Refunds part or all of a captured payment. The money leaves the wallet (or the settlement
     * account) when the refund is asked for, in the same transaction that records it pending: a
     * wallet whose available balance is short answers INSUFFICIENT_FUNDS. Then the provider is
     * called with the key {@code <ref_id>:refund}; a refund it fails is reversed in the books.
     */
    public Refund refund(PartnerScope scope, String idText, String amountText, String reasonText, IdempotencyKey key, String causeId) {
        String paymentId = Ids.require(idText, IdPrefix.PAYMENT, "id");
        String reason = Fields.required(reasonText, "reason", 64);
        availableProviderFor(scope);
        if (!Refund.REASONS.contains(reason)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "reason: unknown value (expected one of duplicate, fraudulent, requested_by_customer)");
        }
        // The currency of a payment never changes: read it without a lock to parse the amount, before anything is recorded.
        Payment unlocked = payments.find(database.reader(), scope, paymentId).orElseThrow(() -> notFound(paymentId));
        Optional<Long> requestedMinor = optional(amountText).map(text -> Money.parsePositive(text, unlocked.amount().currency()).minorUnits());
        Object[] recorded = database.inTransaction(tx -> {
            Claim claim = claim(tx, scope, key, "RefundPayment", paymentId, requestedMinor.map(String::valueOf).orElse(""), reason);
            if (claim.earlierError().isPresent()) {
                return new Object[] {claim.earlierError().get()};
            }
            if (!claim.fresh()) {
                return new Object[] {refunds.findByIdempotencyKey(tx, scope, key.value()).orElseThrow(Payments::keyInUse)};
            }
            Payment payment = payments.findForUpdate(tx, scope, paymentId).orElseThrow();
            if (!payment.status().isCaptured()) {
                return new Object[] {refuse(tx, scope, key, PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION,
                        "payment %s is %s: only captured payments can be refunded", paymentId, payment.status().wireName()))};
            }
            long left = payment.amount().minorUnits() - payment.amountRefundedMinor();
            long amountMinor = requestedMinor.orElse(left);
            if (amountMinor > left || left == 0) {
                return new Object[] {refuse(tx, scope, key, PayflowException.of(ErrorReason.REFUND_AMOUNT_EXCEEDED,
                        "payment %s has %s left to refund, %s requested", paymentId, new Money(left, payment.amount().currency()).format(),
                        new Money(amountMinor, payment.amount().currency()).format()))};
            }
            Money amount = new Money(amountMinor, payment.amount().currency());
            String refundId = services.ids().next(IdPrefix.REFUND);
            Optional<PaymentRoute> route = routes.find(tx, scope, paymentId);
            LedgerAccount source = route.isPresent() ? LedgerAccount.System.of(SystemAccountKind.PLATFORM_FEES)
                    : payment.walletId().<LedgerAccount>map(LedgerAccount.Wallet::new).orElse(LedgerAccount.System.of(SystemAccountKind.SETTLEMENT));
            Instruction.Post post = new Instruction.Post(TransactionType.REFUND, amount, source,
                    new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payment.provider()), "Refund of " + paymentId, "{}",
                    payment.provider(), Instruction.GatewayReference.NONE);
            LedgerEngine.Outcome booked = ledger.bookWithin(tx, scope, Movement.of("RefundPayment", IdempotencyKey.system("refund", refundId, "book"),
                    post, paymentId, refundId, amountMinor));
            if (booked.refusal().isPresent()) {
                return new Object[] {refuse(tx, scope, key, booked.refusal().get())};
            }
            if (route.isPresent()) {
                bookTransferReversal(tx, payment, route.get(), refundId, payment.amountRefundedMinor(), payment.amountRefundedMinor() + amountMinor,
                        false);
            }
            Instant now = services.now();
            Refund refund = new Refund(refundId, paymentId, scope, Refund.Status.PENDING, amount, reason, Optional.empty(), key.value(),
                    booked.booking().orElseThrow().requireTransaction().id(), now, now);
            refunds.insert(tx, refund);
            setRefunded(tx, payment, payment.amountRefundedMinor() + amountMinor, Payment.Cause.API, causeId);
            return new Object[] {refund, payment};
        });
        if (recorded[0] instanceof PayflowException refused) {
            throw refused;
        }
        Refund refund = (Refund) recorded[0];
        if (recorded.length == 1) {
            return refunds.find(database.reader(), scope, refund.id()).orElseThrow();
        }
        Payment payment = (Payment) recorded[1];
        Map<String, String> refundMetadata = Map.of("payflow_refund_id", refund.id(), "payflow_payment_id", paymentId);
        PaymentProvider.RefundOutcome outcome = routeOf(payment).isPresent()
                ? providerOf(payment).refundRouted(payment.providerPaymentId().orElseThrow(), refund.amount().minorUnits(), reason, refundMetadata,
                        refund.id() + ":refund")
                : providerOf(payment).refund(payment.providerPaymentId().orElseThrow(), refund.amount().minorUnits(), reason, refundMetadata,
                        refund.id() + ":refund");
        return database.inTransaction(tx -> {
            Payment locked = payments.findForUpdate(tx, scope, paymentId).orElseThrow();
            if (outcome instanceof PaymentProvider.RefundOutcome.Answered answered) {
                payments.recordGatewayObject(tx, locked, locked.provider(), answered.providerRefundId(), "refund", answered.status(),
                        answered.objectJson(), services.now());
                observeRefund(tx, locked, refund, answered.providerRefundId(), answered.status(), Payment.Cause.GATEWAY, causeId);
            } else if (outcome instanceof PaymentProvider.RefundOutcome.Refused refused) {
                LOG.warn("refund {} of payment {} refused by {}: {} ({})", refund.id(), paymentId, locked.provider(), refused.message(), refused.code());
                observeRefund(tx, locked, refund, "", "failed", Payment.Cause.GATEWAY, causeId);
            } else {
                LOG.warn("refund {}: the provider's answer is unknown ({}); it stays pending", refund.id(),
                        ((PaymentProvider.RefundOutcome.Unknown) outcome).why());
            }
            return refunds.find(tx, scope, refund.id()).orElseThrow();
        });
    }

    /**
     * Applies what the provider says of a refund (its answer, or a webhook), under the payment's
     * row lock: succeeded is final; failed is final too and reverses the refund in the books, once.
     */
    public void observeRefund(DSLContext tx, Payment payment, Refund refund, String providerRefundId, String providerStatus, Payment.Cause cause,
            String causeId) {
        Refund current = refunds.find(tx, payment.scope(), refund.id()).orElseThrow();
        Optional<String> providerId = current.providerRefundId().or(() -> Optional.of(providerRefundId).filter(id -> !id.isEmpty()));
        if (current.status() != Refund.Status.PENDING) {
            return;
        }
        Instant now = services.now();
        switch (providerStatus) {
            case "succeeded" -> refunds.updateStatus(tx, current.id(), Refund.Status.SUCCEEDED, providerId, now);
            case "failed", "canceled" -> {
                refunds.updateStatus(tx, current.id(), Refund.Status.FAILED, providerId, now);
                reverseRefund(tx, payment, current);
                events.refundFailed(tx, refunds.find(tx, payment.scope(), current.id()).orElseThrow());
                long refunded = payments.findForUpdate(tx, payment.scope(), payment.id()).orElseThrow().amountRefundedMinor();
                setRefunded(tx, payment, refunded - current.amount().minorUnits(), cause, causeId);
            }
            default -> refunds.updateStatus(tx, current.id(), Refund.Status.PENDING, providerId, now);
        }
    }

    /**
     * A refund the provider reports that PayFlow did not ask for (made in Stripe's dashboard), under
     * the payment's row lock: booked anyway, once per provider refund id. The wallet gives what it
     * has available, down to zero; the shortfall is taken from the partner's settlement account,
     * which may go negative (the partner owes it). It is recorded as a refund ({@code ref_}) of the
     * payment; one already recorded follows the provider's status instead.
     */
    public void observeProviderRefund(DSLContext tx, Payment payment, String providerRefundId, long amountMinor, String providerStatus,
            Optional<String> providerReason, String objectJson, Payment.Cause cause, String causeId) {
        Instant now = services.now();
        payments.recordGatewayObject(tx, payment, payment.provider(), providerRefundId, "refund", providerStatus, objectJson, now);
        Optional<Refund> known = refunds.findByProviderRefundId(tx, payment.scope().livemode(), providerRefundId)
                .filter(refund -> refund.paymentId().equals(payment.id()));
        if (known.isPresent()) {
            observeRefund(tx, payment, known.get(), providerRefundId, providerStatus, cause, causeId);
            return;
        }
        if (providerStatus.equals("failed") || providerStatus.equals("canceled")) {
            return; // Nothing left the provider's balance.
        }
        long left = payment.amount().minorUnits() - payment.amountRefundedMinor();
        long amount = Math.min(amountMinor, left);
        if (amount <= 0) {
            LOG.error("payment {}: {} reports refund {} of {} minor units, but nothing is left to refund; not booked", payment.id(),
                    payment.provider(), providerRefundId, amountMinor);
            return;
        }
        LedgerAccount clearing = new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payment.provider());
        String description = "Refund of " + payment.id() + " made at " + payment.provider();
        long fromWallet = 0;
        Optional<String> walletTransaction = Optional.empty();
        if (payment.walletId().isPresent()) {
            Optional<Wallet> wallet = wallets.findForUpdate(tx, payment.scope(), payment.walletId().get());
            long available = wallet.map(w -> Math.max(0, w.availableMinor())).orElse(0L);
            if (Math.min(amount, available) > 0) {
                long take = Math.min(amount, available);
                LedgerEngine.Outcome booked = ledger.bookWithin(tx, payment.scope(), Movement.of("ProviderRefund",
                        IdempotencyKey.system("refund", providerRefundId, "wallet"), new Instruction.Post(TransactionType.REFUND,
                                new Money(take, payment.amount().currency()), new LedgerAccount.Wallet(payment.walletId().get()), clearing,
                                description, "{}", payment.provider(), transactionId -> Optional.of(providerRefundId)),
                        payment.id(), providerRefundId, take));
                if (booked.booking().isPresent()) {
                    fromWallet = take;
                    walletTransaction = Optional.of(booked.booking().get().requireTransaction().id());
                } else {
                    LOG.warn("payment {}: wallet {} refused refund {} ({}); all of it is taken from settlement", payment.id(),
                            payment.walletId().get(), providerRefundId, booked.refusal().orElseThrow().reason());
                }
            }
        }
        Optional<String> settlementTransaction = Optional.empty();
        if (amount - fromWallet > 0) {
            long shortfall = amount - fromWallet;
            settlementTransaction = Optional.of(ledger.bookWithin(tx, payment.scope(), Movement.of("ProviderRefund",
                    IdempotencyKey.system("refund", providerRefundId, "settlement"), new Instruction.Post(TransactionType.REFUND,
                            new Money(shortfall, payment.amount().currency()), LedgerAccount.System.of(SystemAccountKind.SETTLEMENT), clearing,
                            description + " (what the wallet did not cover)", "{}", payment.provider(),
                            transactionId -> Optional.of(providerRefundId)),
                    payment.id(), providerRefundId, shortfall)).orThrow().requireTransaction().id());
        }
        String reason = providerReason.filter(Refund.REASONS::contains).orElse("requested_by_customer");
        Refund refund = new Refund(services.ids().next(IdPrefix.REFUND), payment.id(), payment.scope(),
                providerStatus.equals("succeeded") ? Refund.Status.SUCCEEDED : Refund.Status.PENDING, new Money(amount, payment.amount().currency()),
                reason, Optional.of(providerRefundId), payment.provider() + ":" + providerRefundId,
                (walletTransaction.isPresent() ? walletTransaction : settlementTransaction).orElseThrow(), now, now);
        refunds.insert(tx, refund);
        LOG.info("payment {}: refund {} made at {} booked as {} ({} from the wallet, {} from settlement)", payment.id(), providerRefundId,
                payment.provider(), refund.id(), fromWallet, amount - fromWallet);
        setRefunded(tx, payment, payment.amountRefundedMinor() + amount, cause, causeId);
    }

    /** Gives a failed refund's money back where it came from; to settlement if the wallet can no longer take it. */
    private void reverseRefund(DSLContext tx, Payment payment, Refund refund) {
        LedgerAccount clearing = new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payment.provider());
        Optional<PaymentRoute> route = routes.find(tx, payment.scope(), payment.id());
        if (route.isPresent()) {
            // Back to the platform's fee account, and the connected account's part out again, as before the refund.
            ledger.bookWithin(tx, payment.scope(), Movement.of("RefundFailed", IdempotencyKey.system("refund", refund.id(), "reverse"),
                    new Instruction.Post(TransactionType.REVERSAL, refund.amount(), clearing, LedgerAccount.System.of(SystemAccountKind.PLATFORM_FEES),
                            "Failed refund " + refund.id(), "{}", payment.provider(), Instruction.GatewayReference.NONE), refund.id())).orThrow();
            long refundedAfter = payments.findForUpdate(tx, payment.scope(), payment.id()).orElseThrow().amountRefundedMinor();
            bookTransferReversal(tx, payment, route.get(), refund.id(), refundedAfter - refund.amount().minorUnits(), refundedAfter, true);
            return;
        }
        if (payment.walletId().isPresent()) {
            LedgerEngine.Outcome outcome = ledger.bookWithin(tx, payment.scope(), Movement.of("RefundFailed",
                    IdempotencyKey.system("refund", refund.id(), "reverse"), new Instruction.Post(TransactionType.REVERSAL, refund.amount(), clearing,
                            new LedgerAccount.Wallet(payment.walletId().get()), "Failed refund " + refund.id(), "{}", payment.provider(),
                            Instruction.GatewayReference.NONE), refund.id()));
            if (outcome.booking().isPresent()) {
                return;
            }
        }
        ledger.bookWithin(tx, payment.scope(), Movement.of("RefundFailed", IdempotencyKey.system("refund", refund.id(), "reverse-to-settlement"),
                new Instruction.Post(TransactionType.REVERSAL, refund.amount(), clearing, LedgerAccount.System.of(SystemAccountKind.SETTLEMENT),
                        "Failed refund " + refund.id(), "{}", payment.provider(), Instruction.GatewayReference.NONE), refund.id())).orThrow();
    }

    /**
     * The connected account's part of a routed payment's refund: the refund less its share of the
     * platform's fee, which the gateway takes back from the connected account
     * ({@code reverse_transfer}) into the platform's fee account. {@code undo}: the refund failed,
     * so that part goes out to the connected account again.
     */
    private void bookTransferReversal(DSLContext tx, Payment payment, PaymentRoute route, String refundId, long refundedBeforeMinor,
            long refundedAfterMinor, boolean undo) {
        long refundedMinor = refundedAfterMinor - refundedBeforeMinor;
        long accountPart = refundedMinor - route.feeShareMinor(payment.amount().minorUnits(), refundedBeforeMinor, refundedAfterMinor);
        if (accountPart <= 0) {
            return;
        }
        LedgerAccount clearing = new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payment.provider());
        LedgerAccount platformFees = LedgerAccount.System.of(SystemAccountKind.PLATFORM_FEES);
        Money part = new Money(accountPart, payment.amount().currency());
        Instruction.Post post = undo
                ? new Instruction.Post(TransactionType.REVERSAL, part, platformFees, clearing, "Transfer again after failed refund " + refundId, "{}",
                        payment.provider(), Instruction.GatewayReference.NONE)
                : new Instruction.Post(TransactionType.REVERSAL, part, clearing, platformFees, "Transfer reversal of refund " + refundId, "{}",
                        payment.provider(), Instruction.GatewayReference.NONE);
        ledger.bookWithin(tx, payment.scope(), Movement.of(undo ? "RefundFailed" : "RefundPayment", IdempotencyKey.system("refund", refundId,
                undo ? "transfer-again" : "transfer-reversal"), post, refundId)).orThrow();
    }

    /** The payment's refunded amount changed: its status follows (succeeded, partially_refunded, refunded), recorded in its history. */
    private void setRefunded(DSLContext tx, Payment payment, long refundedMinor, Payment.Cause cause, String causeId) {
        Payment current = payments.findForUpdate(tx, payment.scope(), payment.id()).orElseThrow();
        PaymentStatus status = refundedMinor == 0 ? PaymentStatus.SUCCEEDED
                : refundedMinor == current.amount().minorUnits() ? PaymentStatus.REFUNDED : PaymentStatus.PARTIALLY_REFUNDED;
        Instant now = services.now();
        Payment changed = new Payment(current.id(), current.scope(), status, current.amount(), refundedMinor, current.provider(),
                current.providerPaymentId(), current.paymentMethod(), current.customer(), current.walletId(), current.capture(),
                current.returnUrl(), current.description(), current.idempotencyKey(), current.metadataJson(), current.transactionId(),
                Optional.empty(), Optional.empty(), Optional.empty(), current.createdAt(), now, current.statusHistory());
        update(tx, current, changed, current.status() == status ? Optional.empty() : Optional.of(new Payment.StatusChange(status, now, cause,
                causeId)));
    }

    /**
     * Where every change of a payment is written, with its line of history when its status changes
     * (from {@link #observe}: the provider's answers, webhooks, recovery; and from the refunds'
     * effect on the payment: partially_refunded, refunded, back to succeeded), and, in the same
     * transaction, the partner events it announces: the one place both happen, so no change goes
     * unannounced and none is announced twice.
     */
    private void update(DSLContext tx, Payment before, Payment changed, Optional<Payment.StatusChange> statusChange) {
        payments.update(tx, changed, statusChange);
        statusChange.ifPresent(change -> statusChanges.accept(change.status(), changed.provider()));
        events.paymentChanged(tx, before, changed, () -> payments.find(tx, changed.scope(), changed.id()).orElseThrow(),
                () -> refunds.listForPayment(tx, changed.scope(), changed.id()));
    }

    /** A payment's refunds, oldest first. */
    public List<Refund> refundsOf(Payment payment) {
        return refunds.listForPayment(database.reader(), payment.scope(), payment.id());
    }

    // --- Recovery ---------------------------------------------------------------------------------

    /**
     * Stripe keeps idempotency keys for 24 h: a create is re-sent with its key only well inside that
     * (each provider says its own window: {@link PaymentProvider#requestKeyWindow()}).
     */
    public static final java.time.Duration RESEND_CREATE_WITHIN = java.time.Duration.ofHours(23);
    /** Stripe's search lags by minutes, at worst hours: an empty search proves nothing until the payment is this old. */
    public static final java.time.Duration FAIL_UNFOUND_AFTER = java.time.Duration.ofHours(25);

    /**
     * Asks the provider about a payment whose outcome is still open (leased by recovery,
     * committed) and records what it says, through {@link #observe}: a charge the provider took
     * that we never heard of is booked once; one it never took is failed. Outside any transaction
     * while it calls out.
     */
    public void recover(Payment leased) {
        Optional<PaymentProvider> provider = providers.named(leased.scope().livemode(), leased.provider());
        if (provider.isEmpty() || !provider.get().acceptsCalls()) {
            return;
        }
        java.time.Duration age = java.time.Duration.between(leased.createdAt(), services.now());
        PaymentProvider.CallOutcome outcome;
        boolean resent = false;
        if (leased.providerPaymentId().isPresent()) {
            outcome = provider.get().retrievePayment(leased.providerPaymentId().get());
        } else if (age.compareTo(provider.get().requestKeyWindow()) < 0) {
            // The same call with the same key: Stripe answers what it did the first time, or does it now, once.
            outcome = provider.get().createPayment(new PaymentProvider.CreatePayment(leased.id(), leased.amount(), leased.paymentMethod(),
                    leased.customer(), leased.capture(), leased.returnUrl(), leased.description(), providerMetadata(leased.scope(), leased),
                    leased.id() + ":create", destinationOf(leased)));
            resent = true;
        } else {
            outcome = provider.get().findPayment(leased.id());
            if (outcome instanceof PaymentProvider.CallOutcome.Refused notFound) {
                if (age.compareTo(FAIL_UNFOUND_AFTER) <= 0) {
                    return;
                }
                outcome = new PaymentProvider.CallOutcome.Refused("payment_not_found", "the gateway has no payment for " + leased.id()
                        + " after " + FAIL_UNFOUND_AFTER.toHours() + " h: " + notFound.message(), Optional.empty(), "{}");
                resent = true;
            }
        }
        if (outcome instanceof PaymentProvider.CallOutcome.Answered answered && answered.payment().status() == PaymentStatus.REQUIRES_ACTION
                && age.compareTo(provider.get().approvalWindow()) > 0) {
            // The payer never approved in time: the provider will not take the payment any more, so neither do we.
            PaymentProvider.ProviderPayment open = answered.payment();
            outcome = new PaymentProvider.CallOutcome.Answered(new PaymentProvider.ProviderPayment(open.providerPaymentId(),
                    PaymentStatus.CANCELLED, Optional.empty(), Optional.of("approval_expired"), Optional.of("the payer did not approve within "
                    + provider.get().approvalWindow().toHours() + " h"), open.objectType(), open.objectJson()));
        }
        PaymentProvider.CallOutcome seen = outcome;
        boolean refusalFails = resent;
        database.inTransaction(tx -> {
            Payment locked = payments.findForUpdate(tx, leased.scope(), leased.id()).orElseThrow();
            if (seen instanceof PaymentProvider.CallOutcome.Answered answered) {
                observe(tx, locked, answered.payment(), Payment.Cause.RECOVERY, "");
            } else if (seen instanceof PaymentProvider.CallOutcome.Refused refused && refusalFails) {
                observe(tx, locked, new PaymentProvider.ProviderPayment(refused.providerPaymentId().or(locked::providerPaymentId).orElse(""),
                        PaymentStatus.FAILED, Optional.empty(), Optional.of(refused.code()), Optional.of(refused.message()), "error",
                        refused.errorJson()), Payment.Cause.RECOVERY, "");
            }
            return null;
        });
        payments.find(database.reader(), leased.scope(), leased.id()).filter(p -> p.status().isCaptured()).ifPresent(this::settleFee);
    }

    public Payment get(PartnerScope scope, String id) {
        String paymentId = Ids.require(id, IdPrefix.PAYMENT, "id");
        return payments.find(database.reader(), scope, paymentId).orElseThrow(() -> notFound(paymentId));
    }

    public Page<Payment> list(PartnerScope scope, Optional<PaymentStatus> status, String walletIdText, int pageSize, String pageToken) {
        Optional<String> walletId = optional(walletIdText).map(id -> Ids.require(id, IdPrefix.WALLET, "walletId"));
        PageRequest page = PageRequest.of(pageSize, pageToken,
                "payments|" + status.map(PaymentStatus::wireName).orElse("") + "|" + walletId.orElse(""));
        return database.inTransaction(tx -> Pages.of(payments.list(tx, scope, status, walletId, page.afterId(), page.size()), page,
                Payment::id));
    }

    /** Any partner's payment, for operators (the admin API; never reachable with a partner key). */
    public Payment getOfAnyPartner(String id) {
        String paymentId = Ids.require(id, IdPrefix.PAYMENT, "id");
        return payments.findOfAnyPartner(database.reader(), paymentId).orElseThrow(() -> notFound(paymentId));
    }

    /** Payments across partners, newest first, for operators. */
    public Page<Payment> listAcrossPartners(dev.payflow.core.domain.AcrossPartners across, Optional<PaymentStatus> status, Optional<String> provider,
            int pageSize, String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "admin-payments|" + across.key() + "|"
                + status.map(PaymentStatus::wireName).orElse("") + "|" + provider.orElse(""));
        return database.inTransaction(tx -> Pages.of(payments.listAcrossPartners(tx, across, status, provider, page.afterId(), page.size()),
                page, Payment::id));
    }

    /** The ledger transaction that booked a captured payment's money. */
    public Optional<LedgerTransaction> bookedTransaction(Payment payment) {
        return payment.transactionId().flatMap(id -> transactions.findTransaction(database.reader(), payment.scope(), id));
    }

    /** SHA-256 over the operation and its parameters, each length-prefixed (the ledger's canonical form), the key excluded. */
    private static String fingerprint(String operation, Object... parameters) {
        StringBuilder canonical = new StringBuilder();
        canonical.append(operation.length()).append(':').append(operation).append(';');
        for (Object parameter : parameters) {
            String part = String.valueOf(parameter);
            canonical.append(part.length()).append(':').append(part).append(';');
        }
        return Text.sha256Hex(canonical.toString());
    }

    static PayflowException notFound(String paymentId) {
        return PayflowException.of(ErrorReason.PAYMENT_NOT_FOUND, "payment %s not found", paymentId);
    }

    private static PayflowException keyInUse() {
        return PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_IN_USE,
                "a request with this idempotency key is still being processed; retry with the same key");
    }

    private static Optional<String> optional(String text) {
        return text == null || text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** Told of each status a payment moves to (the metrics count them); nothing by default. */
    private volatile java.util.function.BiConsumer<dev.payflow.core.domain.PaymentStatus, String> statusChanges = (status, provider) -> {
    };

    /**
     * Counts every status a payment moves to, by status and provider ({@code payflow.payments.status.changes}),
     * inside the change's transaction (a commit that then fails is counted once too often).
     */
    public Payments countingStatusChangesIn(io.micrometer.core.instrument.MeterRegistry meters) {
        statusChanges = (status, provider) -> io.micrometer.core.instrument.Counter.builder("payflow.payments.status.changes")
                .description("Payments moving to a status (succeeded, failed, refunded, ...)").baseUnit("payments")
                .tag("status", status.wireName()).tag("provider", provider).register(meters).increment();
        return this;
    }
}
