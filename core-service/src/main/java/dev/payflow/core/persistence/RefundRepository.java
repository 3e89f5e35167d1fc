package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.REFUNDS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Refund;
import dev.payflow.core.persistence.jooq.tables.records.RefundsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/** Refunds of payments. A refund's row changes only its status and the gateway's id, under its payment's row lock. */
public final class RefundRepository {

    public void insert(DSLContext tx, Refund refund) {
        int inserted = tx.insertInto(REFUNDS)
                .set(REFUNDS.ID, refund.id())
                .set(REFUNDS.PAYMENT_ID, refund.paymentId())
                .set(REFUNDS.PARTNER_ID, refund.scope().partnerId())
                .set(REFUNDS.LIVEMODE, refund.scope().livemode())
                .set(REFUNDS.STATUS, refund.status().wireName())
                .set(REFUNDS.AMOUNT_MINOR, refund.amount().minorUnits())
                .set(REFUNDS.CURRENCY, refund.amount().currency().code())
                .set(REFUNDS.REASON, refund.reason())
                .set(REFUNDS.PROVIDER_REFUND_ID, refund.providerRefundId().orElse(null))
                .set(REFUNDS.IDEMPOTENCY_KEY, refund.idempotencyKey())
                .set(REFUNDS.TRANSACTION_ID, refund.transactionId())
                .set(REFUNDS.CREATED_AT, Timestamps.toColumn(refund.createdAt()))
                .set(REFUNDS.UPDATED_AT, Timestamps.toColumn(refund.updatedAt()))
                .execute();
        if (inserted != 1) {
            throw new IllegalStateException("refund " + refund.id() + " not inserted");
        }
    }

    public void updateStatus(DSLContext tx, String id, Refund.Status status, Optional<String> providerRefundId, Instant now) {
        int updated = tx.update(REFUNDS)
                .set(REFUNDS.STATUS, status.wireName())
                .set(REFUNDS.PROVIDER_REFUND_ID, providerRefundId.orElse(null))
                .set(REFUNDS.UPDATED_AT, Timestamps.toColumn(now))
                .where(REFUNDS.ID.eq(id))
                .execute();
        if (updated != 1) {
            throw new IllegalStateException("refund " + id + ": " + updated + " rows updated, expected 1");
        }
    }

    public Optional<Refund> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(REFUNDS).where(REFUNDS.PARTNER_ID.eq(scope.partnerId())).and(REFUNDS.LIVEMODE.eq(scope.livemode()))
                .and(REFUNDS.ID.eq(id)).fetchOptional(RefundRepository::toRefund);
    }

    public Optional<Refund> findByIdempotencyKey(DSLContext tx, PartnerScope scope, String key) {
        return tx.selectFrom(REFUNDS).where(REFUNDS.PARTNER_ID.eq(scope.partnerId())).and(REFUNDS.LIVEMODE.eq(scope.livemode()))
                .and(REFUNDS.IDEMPOTENCY_KEY.eq(key)).fetchOptional(RefundRepository::toRefund);
    }

    /** The refund a gateway event names by our id (its metadata), whichever partner it is of. */
    public Optional<Refund> findAnyScope(DSLContext tx, boolean livemode, String id) {
        return tx.selectFrom(REFUNDS).where(REFUNDS.LIVEMODE.eq(livemode)).and(REFUNDS.ID.eq(id)).fetchOptional(RefundRepository::toRefund);
    }

    /** The refund a gateway event names, whichever partner it is of. */
    public Optional<Refund> findByProviderRefundId(DSLContext tx, boolean livemode, String providerRefundId) {
        return tx.selectFrom(REFUNDS).where(REFUNDS.LIVEMODE.eq(livemode)).and(REFUNDS.PROVIDER_REFUND_ID.eq(providerRefundId))
                .fetchOptional(RefundRepository::toRefund);
    }

    /** A payment's refunds, oldest first. */
    public List<Refund> listForPayment(DSLContext tx, PartnerScope scope, String paymentId) {
        return tx.selectFrom(REFUNDS).where(REFUNDS.PARTNER_ID.eq(scope.partnerId())).and(REFUNDS.LIVEMODE.eq(scope.livemode()))
                .and(REFUNDS.PAYMENT_ID.eq(paymentId)).orderBy(REFUNDS.ID).fetch(RefundRepository::toRefund);
    }

    private static Refund toRefund(RefundsRecord r) {
        return new Refund(r.getId(), r.getPaymentId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), Refund.Status.fromWireName(r.getStatus()),
                new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())), r.getReason(), Optional.ofNullable(r.getProviderRefundId()),
                r.getIdempotencyKey(), r.getTransactionId(), Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()));
    }
}
