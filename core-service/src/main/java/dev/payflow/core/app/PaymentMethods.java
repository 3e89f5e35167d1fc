package dev.payflow.core.app;

import dev.payflow.core.domain.CardData;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.PaymentMethod;
import dev.payflow.core.domain.Strings;
import dev.payflow.core.gateway.PaymentProvider;
import dev.payflow.core.gateway.PaymentProvider.MethodOutcome;
import dev.payflow.core.gateway.PaymentProviders;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PaymentMethodRepository;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payment methods: a partner's users' provider tokens, never card numbers. The provider is called
 * outside any transaction (attach, detach), and what it answered is recorded after. A token is
 * kept once per partner and mode: attaching it again answers the method attached first, without
 * calling the provider again, so a partner's retry is harmless without an idempotency key.
 */
public final class PaymentMethods {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentMethods.class);
    /** Stripe's ids are at most 255 characters. */
    static final int PROVIDER_TOKEN_LENGTH_MAX = 255;
    static final int CUSTOMER_LENGTH_MAX = 255;
    /** The providers a partner may name. */
    static final String STRIPE = "stripe";
    static final String PAYPAL = "paypal";
    /** A Stripe PaymentMethod id: {@code pm_} and letters, digits or '_' (its test tokens are {@code pm_card_visa} and alike). */
    private static final Pattern STRIPE_TOKEN = Pattern.compile("pm_[A-Za-z0-9_]+");
    /**
     * A PayPal vault payment token: letters and digits only (PayPal's are short, e.g. {@code 8kk8451t}),
     * so a Stripe id, a setup-token URL or free text is refused before PayPal is asked.
     */
    private static final Pattern PAYPAL_TOKEN = Pattern.compile("[A-Za-z0-9]{6,64}");
    /** A Stripe customer id. */
    private static final Pattern STRIPE_CUSTOMER = Pattern.compile("cus_[A-Za-z0-9_]+");

    private final Database database;
    private final Services services;
    private final PaymentProviders providers;
    private final PaymentMethodRepository methods;

    public PaymentMethods(Database database, Services services, PaymentProviders providers, PaymentMethodRepository methods) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.methods = Objects.requireNonNull(methods, "methods");
    }

    /** What an attach asks for, validated in the contract's order of precedence (the order of the arguments). */
    public record AttachTerms(String provider, String providerToken, Optional<String> customer, Optional<String> externalUserId,
            PaymentMethod.BillingDetails billingDetails, Metadata metadata) {
        public AttachTerms {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(providerToken, "providerToken");
            Objects.requireNonNull(customer, "customer");
            Objects.requireNonNull(externalUserId, "externalUserId");
            Objects.requireNonNull(billingDetails, "billingDetails");
            Objects.requireNonNull(metadata, "metadata");
        }

        /** Validates, in order: provider, token (card data first), customer, externalUserId, billing details, metadata. */
        public static AttachTerms of(String provider, String providerToken, String customer, String externalUserId,
                PaymentMethod.BillingDetails billingDetails, Metadata metadata) {
            String checkedProvider = Fields.required(provider, "provider", 16);
            if (!checkedProvider.equals(STRIPE) && !checkedProvider.equals(PAYPAL)) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "provider: %s (expected: stripe or paypal)", Strings.forMessage(checkedProvider));
            }
            // A card number is refused as card data, and is never echoed, before its format is looked at.
            String token = CardData.refuseAsToken(Fields.required(providerToken, "providerToken", PROVIDER_TOKEN_LENGTH_MAX), "providerToken");
            if (checkedProvider.equals(STRIPE) && !STRIPE_TOKEN.matcher(token).matches()) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "providerToken: %s (expected: a Stripe PaymentMethod id, pm_...)",
                        Strings.forMessage(token));
            }
            // "paypal" is a payment's word for "the payer approves", never a saved token.
            if (checkedProvider.equals(PAYPAL) && (!PAYPAL_TOKEN.matcher(token).matches() || token.equals(PAYPAL))) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "providerToken: %s (expected: a PayPal vault payment token, 6 to 64 letters"
                        + " and digits)", Strings.forMessage(token));
            }
            Optional<String> checkedCustomer = optional(Fields.optional(customer, "customer", CUSTOMER_LENGTH_MAX));
            if (checkedCustomer.isPresent() && checkedProvider.equals(STRIPE) && !STRIPE_CUSTOMER.matcher(checkedCustomer.get()).matches()) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "customer: %s (expected: a Stripe customer id, cus_...)",
                        Strings.forMessage(checkedCustomer.get()));
            }
            Optional<String> user = optional(Fields.optional(externalUserId, "externalUserId", Limits.EXTERNAL_ID_LENGTH_MAX));
            return new AttachTerms(checkedProvider, token, checkedCustomer, user, billingDetails.validated(), metadata.validated());
        }
    }

    /** Attaches a token at its provider and records it; a token kept already answers the method kept. */
    public PaymentMethod attach(PartnerScope scope, AttachTerms terms) {
        PaymentProvider provider = providerFor(scope, terms.provider());
        Optional<PaymentMethod> kept = methods.findByToken(database.reader(), scope, provider.name(), terms.providerToken());
        if (kept.isPresent()) {
            if (kept.get().status() == PaymentMethod.Status.DETACHED) {
                throw PayflowException.of(ErrorReason.PAYMENT_METHOD_DETACHED,
                        "providerToken: its payment method %s was detached, and a detached token cannot be used again: make a new one",
                        kept.get().id());
            }
            return kept.get();
        }
        requireAvailable(provider);
        MethodOutcome outcome = provider.attachPaymentMethod(terms.providerToken(), terms.customer());
        PaymentProvider.ProviderPaymentMethod shown = answered(provider, outcome, "attach");
        Instant now = services.now();
        PaymentMethod method = new PaymentMethod(services.ids().next(IdPrefix.PAYMENT_METHOD), scope, shown.type(), shown.card(),
                shown.verified() ? "verified" : "unverified", provider.name(), terms.providerToken(),
                terms.customer().or(shown::customer), terms.externalUserId(), PaymentMethod.Status.ACTIVE, terms.billingDetails(),
                terms.metadata().json(), now, now);
        return database.inTransaction(tx -> methods.insertOrFind(tx, method));
    }

    public PaymentMethod get(PartnerScope scope, String id) {
        String checked = Ids.require(id, IdPrefix.PAYMENT_METHOD, "id");
        return methods.find(database.reader(), scope, checked).orElseThrow(() -> notFound(checked));
    }

    /** Active methods, newest first, optionally of one user and one type. */
    public Page<PaymentMethod> list(PartnerScope scope, String externalUserId, String type, int pageSize, String pageToken) {
        Optional<String> user = optional(Fields.optional(externalUserId, "externalUserId", Limits.EXTERNAL_ID_LENGTH_MAX));
        Optional<String> checkedType = optional(type);
        if (checkedType.isPresent() && !PaymentMethod.TYPES.contains(checkedType.get())) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "type: %s (expected: one of %s)", Strings.forMessage(checkedType.get()),
                    String.join(", ", PaymentMethod.TYPES));
        }
        PageRequest page = PageRequest.of(pageSize, pageToken, "payment-methods|" + user.orElse("") + "|" + checkedType.orElse(""));
        return Pages.of(methods.list(database.reader(), scope, user, checkedType, page.afterId(), page.size()), page,
                PaymentMethod::id);
    }

    /** Replaces the billing details and the metadata, each only if given (both already validated by the caller's mapping). */
    public PaymentMethod update(PartnerScope scope, String id, Optional<PaymentMethod.BillingDetails> billingDetails,
            Optional<Metadata> metadata) {
        String checked = Ids.require(id, IdPrefix.PAYMENT_METHOD, "id");
        Optional<PaymentMethod.BillingDetails> billing = billingDetails.map(PaymentMethod.BillingDetails::validated);
        Optional<Metadata> checkedMetadata = metadata.map(Metadata::validated);
        return database.inTransaction(tx -> {
            PaymentMethod method = methods.findForUpdate(tx, scope, checked).orElseThrow(() -> notFound(checked));
            requireActive(method);
            PaymentMethod changed = method.changed(billing.orElse(method.billingDetails()),
                    checkedMetadata.map(Metadata::json).orElse(method.metadataJson()), services.now());
            methods.update(tx, changed);
            return changed;
        });
    }

    /**
     * Detaches the method at its provider (Stripe: when it was attached to a customer there; PayPal:
     * the vault token is deleted), then marks it detached. A detached method answers as it is.
     */
    public PaymentMethod detach(PartnerScope scope, String id) {
        PaymentMethod method = get(scope, id);
        if (method.status() == PaymentMethod.Status.DETACHED) {
            return method;
        }
        // A Stripe method is detached from its customer; a PayPal vault token is deleted at PayPal.
        if (method.customer().isPresent() || method.provider().equals(PAYPAL)) {
            PaymentProvider provider = providerOf(method);
            requireAvailable(provider);
            answered(provider, provider.detachPaymentMethod(method.providerToken()), "detach");
        }
        return database.inTransaction(tx -> {
            PaymentMethod locked = methods.findForUpdate(tx, scope, method.id()).orElseThrow(() -> notFound(method.id()));
            if (locked.status() == PaymentMethod.Status.DETACHED) {
                return locked;
            }
            PaymentMethod detached = locked.detached(services.now());
            methods.update(tx, detached);
            return detached;
        });
    }

    /**
     * The active method a payment names by {@code paymentMethodId}, kept by the provider that
     * serves the scope's payments; else PAYMENT_METHOD_NOT_FOUND, PAYMENT_METHOD_DETACHED or
     * INVALID_FIELD.
     */
    public PaymentMethod usable(PartnerScope scope, String paymentMethodId) {
        String id = Ids.require(paymentMethodId, IdPrefix.PAYMENT_METHOD, "paymentMethodId");
        // As for a payment with a token: a mode without a gateway refuses before anything is looked up.
        String served = providers.forLivemode(scope.livemode()).map(PaymentProvider::name).orElseThrow(() -> PayflowException.of(
                ErrorReason.GATEWAY_NOT_CONFIGURED, "no payment gateway is configured for live mode, so payments cannot be taken yet"));
        PaymentMethod method = methods.find(database.reader(), scope, id).orElseThrow(() -> notFound(id));
        requireActive(method);
        if (method.provider().equals(PAYPAL)) {
            // A PayPal vault token is charged through PayPal, which must still be configured in the mode.
            providerOf(method);
            return method;
        }
        if (!served.equals(method.provider())) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "paymentMethodId: %s is kept by %s, and this mode's payments go through %s",
                    method.id(), method.provider(), served);
        }
        return method;
    }

    /**
     * The mode's provider for what the partner named: Stripe's name stands for the mode's card
     * provider (Stripe, or the simulated one in sandbox without a Stripe key); PayPal's for PayPal,
     * if it is configured in the mode.
     */
    private PaymentProvider providerFor(PartnerScope scope, String named) {
        if (named.equals(PAYPAL)) {
            return providers.named(scope.livemode(), PAYPAL).orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                    "provider: paypal is not configured in this mode"));
        }
        return providers.forLivemode(scope.livemode()).orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                "no payment gateway is configured for live mode, so payment methods cannot be attached yet"));
    }

    private PaymentProvider providerOf(PaymentMethod method) {
        if (method.provider().equals(PAYPAL)) {
            return providers.named(method.scope().livemode(), PAYPAL).orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                    "payment method %s was attached through paypal, which is no longer configured", method.id()));
        }
        PaymentProvider provider = providers.forLivemode(method.scope().livemode()).orElseThrow(() -> PayflowException.of(
                ErrorReason.GATEWAY_NOT_CONFIGURED, "payment method %s was attached through %s, which is no longer configured", method.id(),
                method.provider()));
        if (!provider.name().equals(method.provider())) {
            throw PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED, "payment method %s was attached through %s, which is no longer configured",
                    method.id(), method.provider());
        }
        return provider;
    }

    private static void requireAvailable(PaymentProvider provider) {
        if (!provider.acceptsCalls()) {
            throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "%s has been failing, so PayFlow is not calling it for a while: retry later",
                    provider.name());
        }
    }

    private static PaymentProvider.ProviderPaymentMethod answered(PaymentProvider provider, MethodOutcome outcome, String operation) {
        if (outcome instanceof MethodOutcome.Answered answered) {
            return answered.method();
        }
        if (outcome instanceof MethodOutcome.Refused refused) {
            throw PayflowException.of(ErrorReason.PAYMENT_METHOD_REFUSED, "%s refused the %s: %s (%s)", provider.name(), operation,
                    Strings.forMessage(refused.message()), refused.code());
        }
        LOG.warn("{} of a payment method at {} has no answer: {}", operation, provider.name(), ((MethodOutcome.Unknown) outcome).why());
        throw PayflowException.of(ErrorReason.GATEWAY_UNAVAILABLE, "%s did not answer the %s; nothing was recorded: retry", provider.name(),
                operation);
    }

    private static void requireActive(PaymentMethod method) {
        if (method.status() == PaymentMethod.Status.DETACHED) {
            throw PayflowException.of(ErrorReason.PAYMENT_METHOD_DETACHED, "payment method %s is detached", method.id());
        }
    }

    private static PayflowException notFound(String id) {
        return PayflowException.of(ErrorReason.PAYMENT_METHOD_NOT_FOUND, "payment method %s not found", Strings.forMessage(id));
    }

    private static Optional<String> optional(String value) {
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
