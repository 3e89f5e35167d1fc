package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PAYMENT_METHODS;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PaymentMethod;
import dev.payflow.core.persistence.jooq.tables.records.PaymentMethodsRecord;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/** Payment methods: one row per provider token, partner and mode. */
public final class PaymentMethodRepository {

    /**
     * Inserts the payment method unless its token is already kept in its scope; answers the row
     * that is kept (the new one, or the one a concurrent or earlier attach wrote).
     */
    public PaymentMethod insertOrFind(DSLContext tx, PaymentMethod method) {
        Optional<PaymentMethod.Card> card = method.card();
        int rows = tx.insertInto(PAYMENT_METHODS)
                .set(PAYMENT_METHODS.ID, method.id())
                .set(PAYMENT_METHODS.PARTNER_ID, method.scope().partnerId())
                .set(PAYMENT_METHODS.LIVEMODE, method.scope().livemode())
                .set(PAYMENT_METHODS.TYPE, method.type())
                .set(PAYMENT_METHODS.PROVIDER, method.provider())
                .set(PAYMENT_METHODS.PROVIDER_TOKEN, method.providerToken())
                .set(PAYMENT_METHODS.CARD_BRAND, card.map(PaymentMethod.Card::brand).orElse(null))
                .set(PAYMENT_METHODS.CARD_LAST4, card.map(PaymentMethod.Card::last4).orElse(null))
                .set(PAYMENT_METHODS.CARD_EXP_MONTH, card.map(PaymentMethod.Card::expMonth).orElse(null))
                .set(PAYMENT_METHODS.CARD_EXP_YEAR, card.map(PaymentMethod.Card::expYear).orElse(null))
                .set(PAYMENT_METHODS.VERIFICATION, method.verification())
                .set(PAYMENT_METHODS.CUSTOMER, method.customer().orElse(null))
                .set(PAYMENT_METHODS.EXTERNAL_USER_ID, method.externalUserId().orElse(null))
                .set(PAYMENT_METHODS.STATUS, method.status().wireName())
                .set(PAYMENT_METHODS.BILLING_NAME, method.billingDetails().name())
                .set(PAYMENT_METHODS.BILLING_EMAIL, method.billingDetails().email())
                .set(PAYMENT_METHODS.BILLING_PHONE, method.billingDetails().phone())
                .set(PAYMENT_METHODS.BILLING_POSTAL_CODE, method.billingDetails().postalCode())
                .set(PAYMENT_METHODS.BILLING_COUNTRY, method.billingDetails().country())
                .set(PAYMENT_METHODS.METADATA, JSONB.valueOf(method.metadataJson()))
                .set(PAYMENT_METHODS.CREATED_AT, Timestamps.toColumn(method.createdAt()))
                .set(PAYMENT_METHODS.UPDATED_AT, Timestamps.toColumn(method.updatedAt()))
                .onConflict(PAYMENT_METHODS.PARTNER_ID, PAYMENT_METHODS.LIVEMODE, PAYMENT_METHODS.PROVIDER, PAYMENT_METHODS.PROVIDER_TOKEN)
                .doNothing()
                .execute();
        if (rows == 1) {
            return method;
        }
        return findByToken(tx, method.scope(), method.provider(), method.providerToken())
                .orElseThrow(() -> new IllegalStateException("payment method token of " + method.id() + ": neither inserted nor found"));
    }

    public Optional<PaymentMethod> findByToken(DSLContext tx, PartnerScope scope, String provider, String providerToken) {
        return tx.selectFrom(PAYMENT_METHODS).where(inScope(scope)).and(PAYMENT_METHODS.PROVIDER.eq(provider))
                .and(PAYMENT_METHODS.PROVIDER_TOKEN.eq(providerToken)).fetchOptional().map(PaymentMethodRepository::toMethod);
    }

    public Optional<PaymentMethod> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PAYMENT_METHODS).where(inScope(scope)).and(PAYMENT_METHODS.ID.eq(id)).fetchOptional()
                .map(PaymentMethodRepository::toMethod);
    }

    /** Locks the row until the transaction ends: every change of a payment method takes this lock first. */
    public Optional<PaymentMethod> findForUpdate(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PAYMENT_METHODS).where(inScope(scope)).and(PAYMENT_METHODS.ID.eq(id)).forUpdate().fetchOptional()
                .map(PaymentMethodRepository::toMethod);
    }

    /** Active methods newest first, optionally of one user or type; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<PaymentMethod> list(DSLContext tx, PartnerScope scope, Optional<String> externalUserId, Optional<String> type,
            Optional<String> afterId, int limit) {
        Condition where = inScope(scope).and(PAYMENT_METHODS.STATUS.eq(PaymentMethod.Status.ACTIVE.wireName()));
        if (externalUserId.isPresent()) {
            where = where.and(PAYMENT_METHODS.EXTERNAL_USER_ID.eq(externalUserId.get()));
        }
        if (type.isPresent()) {
            where = where.and(PAYMENT_METHODS.TYPE.eq(type.get()));
        }
        if (afterId.isPresent()) {
            where = where.and(PAYMENT_METHODS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(PAYMENT_METHODS).where(where).orderBy(PAYMENT_METHODS.ID.desc()).limit(limit + 1)
                .fetch(PaymentMethodRepository::toMethod);
    }

    /** Writes a changed method's status, billing details and metadata. The caller holds the row lock. */
    public void update(DSLContext tx, PaymentMethod changed) {
        int rows = tx.update(PAYMENT_METHODS)
                .set(PAYMENT_METHODS.STATUS, changed.status().wireName())
                .set(PAYMENT_METHODS.BILLING_NAME, changed.billingDetails().name())
                .set(PAYMENT_METHODS.BILLING_EMAIL, changed.billingDetails().email())
                .set(PAYMENT_METHODS.BILLING_PHONE, changed.billingDetails().phone())
                .set(PAYMENT_METHODS.BILLING_POSTAL_CODE, changed.billingDetails().postalCode())
                .set(PAYMENT_METHODS.BILLING_COUNTRY, changed.billingDetails().country())
                .set(PAYMENT_METHODS.METADATA, JSONB.valueOf(changed.metadataJson()))
                .set(PAYMENT_METHODS.UPDATED_AT, Timestamps.toColumn(changed.updatedAt()))
                .where(inScope(changed.scope())).and(PAYMENT_METHODS.ID.eq(changed.id()))
                .execute();
        if (rows != 1) {
            throw new IllegalStateException("payment method " + changed.id() + ": " + rows + " rows written, expected 1");
        }
    }

    private static Condition inScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return PAYMENT_METHODS.PARTNER_ID.eq(scope.partnerId()).and(PAYMENT_METHODS.LIVEMODE.eq(scope.livemode()));
    }

    private static PaymentMethod toMethod(PaymentMethodsRecord r) {
        Optional<PaymentMethod.Card> card = r.getCardLast4() == null ? Optional.empty()
                : Optional.of(new PaymentMethod.Card(r.getCardBrand(), r.getCardLast4(), r.getCardExpMonth(), r.getCardExpYear()));
        return new PaymentMethod(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getType(), card, r.getVerification(),
                r.getProvider(), r.getProviderToken(), Optional.ofNullable(r.getCustomer()), Optional.ofNullable(r.getExternalUserId()),
                PaymentMethod.Status.fromWireName(r.getStatus()),
                new PaymentMethod.BillingDetails(r.getBillingName(), r.getBillingEmail(), r.getBillingPhone(), r.getBillingPostalCode(),
                        r.getBillingCountry()),
                r.getMetadata().data(), Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()));
    }
}
