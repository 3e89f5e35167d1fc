package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.ADJUSTMENTS;
import static dev.payflow.core.persistence.jooq.Tables.WALLETS;

import dev.payflow.core.domain.Adjustment;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.jooq.tables.records.AdjustmentsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Four-eyes adjustments. Operators see every partner's, so nothing here is scoped to one. */
public final class AdjustmentRepository {

    /** Whose wallet an id names, and in which currency: operators name wallets by id alone. */
    public record WalletOwner(PartnerScope scope, CurrencyUnit currency) {
    }

    public Optional<WalletOwner> walletOwner(DSLContext tx, String walletId) {
        return tx.select(WALLETS.PARTNER_ID, WALLETS.LIVEMODE, WALLETS.CURRENCY).from(WALLETS).where(WALLETS.ID.eq(walletId)).fetchOptional()
                .map(r -> new WalletOwner(new PartnerScope(r.value1(), r.value2()), CurrencyUnit.of(r.value3())));
    }

    /** Inserts a proposal; false if its idempotency key is taken (the unique constraint decides). */
    public boolean insert(DSLContext tx, Adjustment a) {
        return tx.insertInto(ADJUSTMENTS)
                .set(ADJUSTMENTS.ID, a.id())
                .set(ADJUSTMENTS.PARTNER_ID, a.scope().partnerId())
                .set(ADJUSTMENTS.LIVEMODE, a.scope().livemode())
                .set(ADJUSTMENTS.WALLET_ID, a.walletId())
                .set(ADJUSTMENTS.AMOUNT_MINOR, a.amount().minorUnits())
                .set(ADJUSTMENTS.CURRENCY, a.amount().currency().code())
                .set(ADJUSTMENTS.DIRECTION, a.direction().wireName())
                .set(ADJUSTMENTS.REASON, a.reason())
                .set(ADJUSTMENTS.IDEMPOTENCY_KEY, a.idempotencyKey())
                .set(ADJUSTMENTS.STATUS, a.status().wireName())
                .set(ADJUSTMENTS.PROPOSED_BY, a.proposedBy())
                .set(ADJUSTMENTS.PROPOSED_AT, Timestamps.toColumn(a.proposedAt()))
                .onConflict(ADJUSTMENTS.IDEMPOTENCY_KEY).doNothing()
                .execute() == 1;
    }

    public Optional<Adjustment> find(DSLContext tx, String id) {
        return tx.selectFrom(ADJUSTMENTS).where(ADJUSTMENTS.ID.eq(id)).fetchOptional().map(AdjustmentRepository::toAdjustment);
    }

    public Optional<Adjustment> findForUpdate(DSLContext tx, String id) {
        return tx.selectFrom(ADJUSTMENTS).where(ADJUSTMENTS.ID.eq(id)).forUpdate().fetchOptional().map(AdjustmentRepository::toAdjustment);
    }

    public Optional<Adjustment> findByIdempotencyKey(DSLContext tx, String key) {
        return tx.selectFrom(ADJUSTMENTS).where(ADJUSTMENTS.IDEMPOTENCY_KEY.eq(key)).fetchOptional().map(AdjustmentRepository::toAdjustment);
    }

    public List<Adjustment> list(DSLContext tx, Optional<Adjustment.Status> status, Optional<String> afterId, int limit) {
        Condition where = status.map(s -> ADJUSTMENTS.STATUS.eq(s.wireName())).orElse(DSL.noCondition());
        if (afterId.isPresent()) {
            where = where.and(ADJUSTMENTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(ADJUSTMENTS).where(where).orderBy(ADJUSTMENTS.ID.desc()).limit(limit + 1).fetch(AdjustmentRepository::toAdjustment);
    }

    /** Records the decision: approved (booking follows) or rejected. Only a proposed adjustment is decided. */
    public void decide(DSLContext tx, String id, Adjustment.Status status, String decidedBy, String decisionReason, Instant now) {
        int updated = tx.update(ADJUSTMENTS)
                .set(ADJUSTMENTS.STATUS, status.wireName())
                .set(ADJUSTMENTS.DECIDED_BY, decidedBy)
                .set(ADJUSTMENTS.DECIDED_AT, Timestamps.toColumn(now))
                .set(ADJUSTMENTS.DECISION_REASON, decisionReason)
                .where(ADJUSTMENTS.ID.eq(id).and(ADJUSTMENTS.STATUS.eq(Adjustment.Status.PROPOSED.wireName())))
                .execute();
        requireOne(updated, id);
    }

    /** The booking's outcome of an approved adjustment: booked with its transaction, or failed with the ledger's reason. */
    public void settle(DSLContext tx, String id, Optional<String> transactionId, String failureReason) {
        int updated = tx.update(ADJUSTMENTS)
                .set(ADJUSTMENTS.STATUS, (transactionId.isPresent() ? Adjustment.Status.BOOKED : Adjustment.Status.FAILED).wireName())
                .set(ADJUSTMENTS.TRANSACTION_ID, transactionId.orElse(null))
                .set(ADJUSTMENTS.FAILURE_REASON, failureReason)
                .where(ADJUSTMENTS.ID.eq(id).and(ADJUSTMENTS.STATUS.eq(Adjustment.Status.APPROVED.wireName())))
                .execute();
        requireOne(updated, id);
    }

    private static void requireOne(int rows, String id) {
        if (rows != 1) {
            throw new IllegalStateException("adjustment " + id + ": " + rows + " rows written (expected: 1)");
        }
    }

    private static Adjustment toAdjustment(AdjustmentsRecord r) {
        return new Adjustment(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getWalletId(),
                new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())), Adjustment.Direction.fromWireName(r.getDirection()).orElseThrow(),
                r.getReason(), r.getIdempotencyKey(), Adjustment.Status.fromWireName(r.getStatus()).orElseThrow(), r.getProposedBy(),
                Timestamps.fromColumn(r.getProposedAt()), Optional.ofNullable(r.getDecidedBy()),
                Optional.ofNullable(r.getDecidedAt()).map(Timestamps::fromColumn), r.getDecisionReason(), Optional.ofNullable(r.getTransactionId()),
                r.getFailureReason());
    }
}
