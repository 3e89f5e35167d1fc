package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.HOLDS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.jooq.tables.records.HoldsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Holds. A hold row is inserted pending and updated once, when it is resolved; the database
 * refuses any other change (see the V3 migration).
 */
public final class HoldRepository {

    /** Adds the insert of a new pending hold to a batch. */
    public Batch insert(Batch batch, DSLContext tx, Hold hold) {
        return batch.add(tx.insertInto(HOLDS)
                .set(HOLDS.ID, hold.id())
                .set(HOLDS.PARTNER_ID, hold.scope().partnerId())
                .set(HOLDS.LIVEMODE, hold.scope().livemode())
                .set(HOLDS.WALLET_ID, hold.walletId())
                .set(HOLDS.CURRENCY, hold.amount().currency().code())
                .set(HOLDS.AMOUNT_MINOR, hold.amount().minorUnits())
                .set(HOLDS.STATUS, hold.status().wireName())
                .set(HOLDS.DESCRIPTION, hold.description())
                .set(HOLDS.IDEMPOTENCY_KEY, hold.idempotencyKey())
                .set(HOLDS.METADATA, JSONB.valueOf(hold.metadataJson()))
                .set(HOLDS.EXPIRES_AT, Timestamps.toColumn(hold.expiresAt()))
                .set(HOLDS.CREATED_AT, Timestamps.toColumn(hold.createdAt())), 1);
    }

    /**
     * Adds a hold's resolution to a batch. It touches the row only while the hold is still
     * pending, so a second resolution updates nothing and fails the batch.
     */
    public Batch resolve(Batch batch, DSLContext tx, Hold resolved) {
        return batch.add(tx.update(HOLDS)
                .set(HOLDS.STATUS, resolved.status().wireName())
                .set(HOLDS.RESOLVED_AT, Timestamps.toColumn(resolved.resolvedAt().orElseThrow()))
                .set(HOLDS.CAPTURED_MINOR, resolved.captured().map(Money::minorUnits).orElse(null))
                .set(HOLDS.TRANSACTION_ID, resolved.transactionId().orElse(null))
                .set(HOLDS.TO_WALLET_ID, resolved.toWalletId().orElse(null))
                .where(inScope(resolved.scope())).and(HOLDS.ID.eq(resolved.id()))
                .and(HOLDS.STATUS.eq(HoldStatus.PENDING.wireName())), 1);
    }

    public Optional<Hold> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(HOLDS).where(inScope(scope)).and(HOLDS.ID.eq(id)).fetchOptional().map(HoldRepository::toHold);
    }

    /** Locks the hold's row until the transaction ends; every resolution takes this lock before its wallet's. */
    public Optional<Hold> findForUpdate(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(HOLDS).where(inScope(scope)).and(HOLDS.ID.eq(id)).forUpdate().fetchOptional().map(HoldRepository::toHold);
    }

    /** Newest first; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<Hold> listForWallet(DSLContext tx, PartnerScope scope, String walletId, Optional<HoldStatus> status, Optional<String> afterId,
            int limit) {
        Condition where = inScope(scope).and(HOLDS.WALLET_ID.eq(walletId));
        if (status.isPresent()) {
            where = where.and(HOLDS.STATUS.eq(status.get().wireName()));
        }
        if (afterId.isPresent()) {
            where = where.and(HOLDS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(HOLDS).where(where).orderBy(HOLDS.ID.desc()).limit(limit + 1).fetch(HoldRepository::toHold);
    }

    /** The amounts a wallet's holds reserved at {@code asOf}: placed by then and not yet resolved by then. */
    public long heldAsOf(DSLContext tx, PartnerScope scope, String walletId, Instant asOf) {
        var at = Timestamps.toColumn(asOf);
        Long held = tx.select(DSL.sum(HOLDS.AMOUNT_MINOR).cast(Long.class))
                .from(HOLDS)
                .where(inScope(scope)).and(HOLDS.WALLET_ID.eq(walletId))
                .and(HOLDS.CREATED_AT.le(at))
                .and(HOLDS.RESOLVED_AT.isNull().or(HOLDS.RESOLVED_AT.gt(at)))
                .fetchOne(0, Long.class);
        return held == null ? 0 : held;
    }

    /**
     * Locks up to {@code limit} pending holds whose expiry has come, soonest first, skipping those
     * another transaction holds (a capture in progress, or another replica's expiry run), so
     * several workers share the work instead of queueing on it.
     */
    public List<Hold> lockDueForExpiry(DSLContext tx, Instant now, int limit) {
        return tx.selectFrom(HOLDS)
                .where(HOLDS.STATUS.eq(HoldStatus.PENDING.wireName())).and(HOLDS.EXPIRES_AT.le(Timestamps.toColumn(now)))
                .orderBy(HOLDS.EXPIRES_AT, HOLDS.ID)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(HoldRepository::toHold);
    }

    private static Condition inScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return HOLDS.PARTNER_ID.eq(scope.partnerId()).and(HOLDS.LIVEMODE.eq(scope.livemode()));
    }

    private static Hold toHold(HoldsRecord r) {
        CurrencyUnit currency = CurrencyUnit.of(r.getCurrency());
        return new Hold(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getWalletId(), new Money(r.getAmountMinor(), currency),
                HoldStatus.fromWireName(r.getStatus()), r.getDescription(), r.getIdempotencyKey(), r.getMetadata().data(),
                Timestamps.fromColumn(r.getExpiresAt()), Timestamps.fromColumn(r.getCreatedAt()),
                Optional.ofNullable(Timestamps.fromColumn(r.getResolvedAt())),
                Optional.ofNullable(r.getCapturedMinor()).map(minor -> new Money(minor, currency)), Optional.ofNullable(r.getTransactionId()),
                Optional.ofNullable(r.getToWalletId()));
    }
}
