package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PAYMENT_DISPUTES;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Dispute;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.jooq.tables.records.PaymentDisputesRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/** Disputes of payments, one row per gateway dispute. A row changes only under its payment's row lock, then its own. */
public final class DisputeRepository {

    /** Inserts the dispute unless it exists, then locks and returns it. */
    /** A dispute locked for its event's transaction, and whether that event is the first we heard of it. */
    public record Claimed(Dispute dispute, boolean created) {
    }

    public Claimed insertOnceAndLock(DSLContext tx, Dispute dispute) {
        int inserted = tx.insertInto(PAYMENT_DISPUTES)
                .set(PAYMENT_DISPUTES.PROVIDER, dispute.provider())
                .set(PAYMENT_DISPUTES.LIVEMODE, dispute.scope().livemode())
                .set(PAYMENT_DISPUTES.PROVIDER_DISPUTE_ID, dispute.providerDisputeId())
                .set(PAYMENT_DISPUTES.PAYMENT_ID, dispute.paymentId())
                .set(PAYMENT_DISPUTES.PARTNER_ID, dispute.scope().partnerId())
                .set(PAYMENT_DISPUTES.STATUS, dispute.status())
                .set(PAYMENT_DISPUTES.REASON, dispute.reason())
                .set(PAYMENT_DISPUTES.AMOUNT_MINOR, dispute.amount().minorUnits())
                .set(PAYMENT_DISPUTES.CURRENCY, dispute.amount().currency().code())
                .set(PAYMENT_DISPUTES.CREATED_AT, Timestamps.toColumn(dispute.createdAt()))
                .set(PAYMENT_DISPUTES.UPDATED_AT, Timestamps.toColumn(dispute.updatedAt()))
                .onConflictDoNothing()
                .execute();
        return new Claimed(tx.selectFrom(PAYMENT_DISPUTES)
                .where(PAYMENT_DISPUTES.PROVIDER.eq(dispute.provider()))
                .and(PAYMENT_DISPUTES.LIVEMODE.eq(dispute.scope().livemode()))
                .and(PAYMENT_DISPUTES.PROVIDER_DISPUTE_ID.eq(dispute.providerDisputeId()))
                .forUpdate().fetchSingle(DisputeRepository::toDispute), inserted == 1);
    }

    /** The dispute as recorded now (its event's changes included). */
    public Dispute reload(DSLContext tx, Dispute dispute) {
        return tx.selectFrom(PAYMENT_DISPUTES).where(key(dispute)).fetchSingle(DisputeRepository::toDispute);
    }

    public void updateStatus(DSLContext tx, Dispute dispute, String status, Instant now) {
        tx.update(PAYMENT_DISPUTES).set(PAYMENT_DISPUTES.STATUS, status).set(PAYMENT_DISPUTES.UPDATED_AT, Timestamps.toColumn(now))
                .where(key(dispute)).execute();
    }

    public void recordWithdrawal(DSLContext tx, Dispute dispute, long fromWalletMinor, long fromSettlementMinor, long feeMinor, Instant now) {
        tx.update(PAYMENT_DISPUTES)
                .set(PAYMENT_DISPUTES.WITHDRAWN_FROM_WALLET_MINOR, fromWalletMinor)
                .set(PAYMENT_DISPUTES.WITHDRAWN_FROM_SETTLEMENT_MINOR, fromSettlementMinor)
                .set(PAYMENT_DISPUTES.FEE_MINOR, feeMinor)
                .set(PAYMENT_DISPUTES.UPDATED_AT, Timestamps.toColumn(now))
                .where(key(dispute)).execute();
    }

    public void recordReinstated(DSLContext tx, Dispute dispute, Instant now) {
        tx.update(PAYMENT_DISPUTES).set(PAYMENT_DISPUTES.REINSTATED, true).set(PAYMENT_DISPUTES.UPDATED_AT, Timestamps.toColumn(now))
                .where(key(dispute)).execute();
    }

    /** A payment's disputes, oldest first. */
    public List<Dispute> listForPayment(DSLContext tx, PartnerScope scope, String paymentId) {
        return tx.selectFrom(PAYMENT_DISPUTES).where(PAYMENT_DISPUTES.PARTNER_ID.eq(scope.partnerId()))
                .and(PAYMENT_DISPUTES.LIVEMODE.eq(scope.livemode())).and(PAYMENT_DISPUTES.PAYMENT_ID.eq(paymentId))
                .orderBy(PAYMENT_DISPUTES.CREATED_AT, PAYMENT_DISPUTES.PROVIDER_DISPUTE_ID).fetch(DisputeRepository::toDispute);
    }

    private static org.jooq.Condition key(Dispute dispute) {
        return PAYMENT_DISPUTES.PROVIDER.eq(dispute.provider()).and(PAYMENT_DISPUTES.LIVEMODE.eq(dispute.scope().livemode()))
                .and(PAYMENT_DISPUTES.PROVIDER_DISPUTE_ID.eq(dispute.providerDisputeId()));
    }

    private static Dispute toDispute(PaymentDisputesRecord r) {
        return new Dispute(r.getProviderDisputeId(), r.getPaymentId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getProvider(),
                r.getStatus(), r.getReason(), new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())),
                Optional.ofNullable(r.getWithdrawnFromWalletMinor()), Optional.ofNullable(r.getWithdrawnFromSettlementMinor()),
                Optional.ofNullable(r.getFeeMinor()), r.getReinstated(), Timestamps.fromColumn(r.getCreatedAt()),
                Timestamps.fromColumn(r.getUpdatedAt()));
    }
}
