package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.GATEWAY_RECORDS;
import static dev.payflow.core.persistence.jooq.Tables.PAYMENTS;
import static dev.payflow.core.persistence.jooq.Tables.PAYOUTS;
import static dev.payflow.core.persistence.jooq.Tables.PAYOUT_STATUS_CHANGES;

import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Payout;
import dev.payflow.core.domain.PayoutStatus;
import dev.payflow.core.persistence.jooq.tables.records.PayoutsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Payouts and their history. A payout's row is changed only under its row lock
 * ({@link #findForUpdate}), so the worker's step, a webhook and a cancel never apply over one
 * another; each write below says what it changes.
 */
public final class PayoutRepository {

    /** Inserts a new payout with the first line of its history. */
    public void insert(DSLContext tx, Payout payout) {
        requireOne(tx.insertInto(PAYOUTS)
                .set(PAYOUTS.ID, payout.id())
                .set(PAYOUTS.PARTNER_ID, payout.scope().partnerId())
                .set(PAYOUTS.LIVEMODE, payout.scope().livemode())
                .set(PAYOUTS.WALLET_ID, payout.walletId())
                .set(PAYOUTS.CONNECTED_ACCOUNT_ID, payout.connectedAccountId())
                .set(PAYOUTS.EXTERNAL_USER_ID, payout.externalUserId().orElse(null))
                .set(PAYOUTS.PROVIDER, payout.provider())
                .set(PAYOUTS.PROVIDER_ACCOUNT_ID, payout.providerAccountId())
                .set(PAYOUTS.ACCOUNT_TYPE, payout.accountType().wireName())
                .set(PAYOUTS.STATUS, payout.status().wireName())
                .set(PAYOUTS.AMOUNT_MINOR, payout.amount().minorUnits())
                .set(PAYOUTS.CURRENCY, payout.amount().currency().code())
                .set(PAYOUTS.DESCRIPTION, payout.description())
                .set(PAYOUTS.IDEMPOTENCY_KEY, payout.idempotencyKey())
                .set(PAYOUTS.METADATA, JSONB.valueOf(payout.metadataJson()))
                .set(PAYOUTS.HOLD_TRANSACTION_ID, payout.holdTransactionId())
                .set(PAYOUTS.NEXT_ATTEMPT_AT, payout.nextAttemptAt().map(Timestamps::toColumn).orElse(null))
                .set(PAYOUTS.CREATED_AT, Timestamps.toColumn(payout.createdAt()))
                .set(PAYOUTS.UPDATED_AT, Timestamps.toColumn(payout.updatedAt()))
                .execute(), payout.id());
        for (int i = 0; i < payout.statusHistory().size(); i++) {
            addHistory(tx, payout.id(), i + 1, payout.statusHistory().get(i));
        }
    }

    /**
     * Writes everything about a payout that changes after its creation (status, the gateway's ids
     * and answers, the return of its money, the next step), and appends {@code line} to its
     * history if given. The caller holds the row lock and passes the payout as it read it, so the
     * history's next sequence number is known.
     */
    public void update(DSLContext tx, Payout before, Payout changed, Optional<Payout.StatusChange> line) {
        requireOne(tx.update(PAYOUTS)
                .set(PAYOUTS.STATUS, changed.status().wireName())
                .set(PAYOUTS.PROVIDER_TRANSFER_ID, changed.providerTransferId().orElse(null))
                .set(PAYOUTS.TRANSFER_BOOKED, changed.transferBooked())
                .set(PAYOUTS.PROVIDER_TRANSFER_REVERSAL_ID, changed.providerTransferReversalId().orElse(null))
                .set(PAYOUTS.PROVIDER_PAYOUT_ID, changed.providerPayoutId().orElse(null))
                .set(PAYOUTS.PROVIDER_PAYOUT_STATUS, changed.providerPayoutStatus().orElse(null))
                .set(PAYOUTS.ARRIVAL_DATE, changed.arrivalDate().map(Timestamps::toColumn).orElse(null))
                .set(PAYOUTS.FAILURE_CODE, changed.failureCode().orElse(null))
                .set(PAYOUTS.FAILURE_MESSAGE, changed.failureMessage().orElse(null))
                .set(PAYOUTS.RETURN_TRANSACTION_ID, changed.returnTransactionId().orElse(null))
                .set(PAYOUTS.ATTEMPTS, changed.attempts())
                .set(PAYOUTS.NEXT_ATTEMPT_AT, changed.nextAttemptAt().map(Timestamps::toColumn).orElse(null))
                .set(PAYOUTS.UPDATED_AT, Timestamps.toColumn(changed.updatedAt()))
                .where(inScope(changed.scope())).and(PAYOUTS.ID.eq(changed.id()))
                .execute(), changed.id());
        if (line.isPresent()) {
            addHistory(tx, changed.id(), before.statusHistory().size() + 1, line.get());
        }
    }

    private static void addHistory(DSLContext tx, String payoutId, int sequence, Payout.StatusChange change) {
        requireOne(tx.insertInto(PAYOUT_STATUS_CHANGES)
                .set(PAYOUT_STATUS_CHANGES.PAYOUT_ID, payoutId)
                .set(PAYOUT_STATUS_CHANGES.SEQUENCE, sequence)
                .set(PAYOUT_STATUS_CHANGES.STATUS, change.status().wireName())
                .set(PAYOUT_STATUS_CHANGES.CAUSE, change.cause().wireName())
                .set(PAYOUT_STATUS_CHANGES.CAUSE_ID, change.causeId())
                .set(PAYOUT_STATUS_CHANGES.DETAIL, change.detail())
                .set(PAYOUT_STATUS_CHANGES.CHANGED_AT, Timestamps.toColumn(change.at()))
                .execute(), payoutId);
    }

    public Optional<Payout> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PAYOUTS).where(inScope(scope)).and(PAYOUTS.ID.eq(id)).fetchOptional().map(r -> toPayout(tx, r));
    }

    /** Locks the payout's row until the transaction ends: every change of a payout takes this lock first. */
    public Optional<Payout> findForUpdate(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PAYOUTS).where(inScope(scope)).and(PAYOUTS.ID.eq(id)).forUpdate().fetchOptional().map(r -> toPayout(tx, r));
    }

    /** The payout whose hold this transaction is (a replay of the create finds its payout so). */
    public Optional<Payout> findByHoldTransaction(DSLContext tx, PartnerScope scope, String transactionId) {
        return tx.selectFrom(PAYOUTS).where(inScope(scope)).and(PAYOUTS.HOLD_TRANSACTION_ID.eq(transactionId)).fetchOptional()
                .map(r -> toPayout(tx, r));
    }

    /**
     * Locks the payout a gateway event names, whichever partner it is of: by our id (the
     * {@code payflow_payout_id} the gateway keeps in its metadata) when given, else by the
     * gateway's payout or transfer id; only payouts of that provider, mode and connected account
     * qualify (a Connect event names its account).
     */
    public Optional<Payout> findForUpdateFromGateway(DSLContext tx, String provider, boolean livemode, Optional<String> providerAccountId,
            Optional<String> payoutId, Optional<String> providerPayoutId, Optional<String> providerTransferId) {
        Condition where = PAYOUTS.PROVIDER.eq(provider).and(PAYOUTS.LIVEMODE.eq(livemode));
        if (providerAccountId.isPresent()) {
            where = where.and(PAYOUTS.PROVIDER_ACCOUNT_ID.eq(providerAccountId.get()));
        }
        if (payoutId.isPresent()) {
            where = where.and(PAYOUTS.ID.eq(payoutId.get()));
        } else if (providerPayoutId.isPresent()) {
            where = where.and(PAYOUTS.PROVIDER_PAYOUT_ID.eq(providerPayoutId.get()));
        } else if (providerTransferId.isPresent()) {
            where = where.and(PAYOUTS.PROVIDER_TRANSFER_ID.eq(providerTransferId.get()));
        } else {
            return Optional.empty();
        }
        return tx.selectFrom(PAYOUTS).where(where).forUpdate().fetchOptional().map(r -> toPayout(tx, r));
    }

    /**
     * Leases up to {@code limit} payouts whose next step is due: locked with SKIP LOCKED (another
     * replica's are skipped), their next attempt moved to {@code leaseUntil} (so a step that dies
     * half-way is taken again then), and returned. The caller commits before it calls out.
     */
    public List<Payout> leaseDue(DSLContext tx, Instant now, Instant leaseUntil, int limit) {
        List<String> ids = tx.select(PAYOUTS.ID).from(PAYOUTS)
                .where(PAYOUTS.NEXT_ATTEMPT_AT.le(Timestamps.toColumn(now)))
                .orderBy(PAYOUTS.NEXT_ATTEMPT_AT, PAYOUTS.ID)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(PAYOUTS.ID);
        if (ids.isEmpty()) {
            return List.of();
        }
        tx.update(PAYOUTS).set(PAYOUTS.NEXT_ATTEMPT_AT, Timestamps.toColumn(leaseUntil)).where(PAYOUTS.ID.in(ids)).execute();
        return tx.selectFrom(PAYOUTS).where(PAYOUTS.ID.in(ids)).orderBy(PAYOUTS.ID).fetch(r -> toPayout(tx, r));
    }

    /**
     * The charge (ch_...) of the newest captured payment into this wallet through this gateway that
     * still covers {@code amountMinor}, if any: a transfer made from it can move card money the
     * gateway has not made available yet.
     */
    public Optional<String> findFundingCharge(DSLContext tx, PartnerScope scope, String walletId, String provider, long amountMinor) {
        org.jooq.Field<String> charge = DSL.field("{0} ->> 'latest_charge'", String.class, GATEWAY_RECORDS.METADATA);
        return tx.select(charge).from(PAYMENTS).join(GATEWAY_RECORDS)
                .on(GATEWAY_RECORDS.GATEWAY.eq(PAYMENTS.PROVIDER)).and(GATEWAY_RECORDS.LIVEMODE.eq(PAYMENTS.LIVEMODE))
                .and(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID.eq(PAYMENTS.PROVIDER_PAYMENT_ID))
                .where(PAYMENTS.PARTNER_ID.eq(scope.partnerId())).and(PAYMENTS.LIVEMODE.eq(scope.livemode()))
                .and(PAYMENTS.WALLET_ID.eq(walletId)).and(PAYMENTS.PROVIDER.eq(provider)).and(PAYMENTS.STATUS.eq("succeeded"))
                .and(PAYMENTS.AMOUNT_MINOR.ge(amountMinor))
                .and(GATEWAY_RECORDS.OBJECT_TYPE.eq("payment_intent")).and(charge.isNotNull())
                .orderBy(PAYMENTS.ID.desc())
                .limit(1)
                .fetchOptional(charge);
    }

    /** Newest first, with the filters given; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<Payout> list(DSLContext tx, PartnerScope scope, Optional<PayoutStatus> status, Optional<String> walletId,
            Optional<Instant> createdFrom, Optional<Instant> createdTo, Optional<String> afterId, int limit) {
        Condition where = inScope(scope);
        if (status.isPresent()) {
            where = where.and(PAYOUTS.STATUS.eq(status.get().wireName()));
        }
        if (walletId.isPresent()) {
            where = where.and(PAYOUTS.WALLET_ID.eq(walletId.get()));
        }
        if (createdFrom.isPresent()) {
            where = where.and(PAYOUTS.CREATED_AT.ge(Timestamps.toColumn(createdFrom.get())));
        }
        if (createdTo.isPresent()) {
            where = where.and(PAYOUTS.CREATED_AT.lt(Timestamps.toColumn(createdTo.get())));
        }
        if (afterId.isPresent()) {
            where = where.and(PAYOUTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(PAYOUTS).where(where).orderBy(PAYOUTS.ID.desc()).limit(limit + 1).fetch(r -> toPayout(tx, r));
    }

    /** A payout of any partner and mode: for operators only, never behind a partner key. */
    public Optional<Payout> findOfAnyPartner(DSLContext tx, String id) {
        return tx.selectFrom(PAYOUTS).where(PAYOUTS.ID.eq(id)).fetchOptional().map(r -> toPayout(tx, r));
    }

    /** Across partners, newest first, for operators; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<Payout> listAcrossPartners(DSLContext tx, dev.payflow.core.domain.AcrossPartners across, Optional<PayoutStatus> status,
            Optional<String> provider, Optional<String> afterId, int limit) {
        Condition where = org.jooq.impl.DSL.noCondition();
        if (across.partnerId().isPresent()) {
            where = where.and(PAYOUTS.PARTNER_ID.eq(across.partnerId().get()));
        }
        if (across.livemode().isPresent()) {
            where = where.and(PAYOUTS.LIVEMODE.eq(across.livemode().get()));
        }
        if (across.createdFrom().isPresent()) {
            where = where.and(PAYOUTS.CREATED_AT.ge(Timestamps.toColumn(across.createdFrom().get())));
        }
        if (across.createdTo().isPresent()) {
            where = where.and(PAYOUTS.CREATED_AT.lt(Timestamps.toColumn(across.createdTo().get())));
        }
        if (status.isPresent()) {
            where = where.and(PAYOUTS.STATUS.eq(status.get().wireName()));
        }
        if (provider.isPresent()) {
            where = where.and(PAYOUTS.PROVIDER.eq(provider.get()));
        }
        if (afterId.isPresent()) {
            where = where.and(PAYOUTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(PAYOUTS).where(where).orderBy(PAYOUTS.ID.desc()).limit(limit + 1).fetch(r -> toPayout(tx, r));
    }

    private static Condition inScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return PAYOUTS.PARTNER_ID.eq(scope.partnerId()).and(PAYOUTS.LIVEMODE.eq(scope.livemode()));
    }

    private static Payout toPayout(DSLContext tx, PayoutsRecord r) {
        List<Payout.StatusChange> history = tx.selectFrom(PAYOUT_STATUS_CHANGES)
                .where(PAYOUT_STATUS_CHANGES.PAYOUT_ID.eq(r.getId()))
                .orderBy(PAYOUT_STATUS_CHANGES.SEQUENCE)
                .fetch(c -> new Payout.StatusChange(PayoutStatus.fromWireName(c.getStatus()), Timestamps.fromColumn(c.getChangedAt()),
                        Payout.Cause.fromWireName(c.getCause()), c.getCauseId(), c.getDetail()));
        return new Payout(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), r.getWalletId(), r.getConnectedAccountId(),
                Optional.ofNullable(r.getExternalUserId()), r.getProvider(), r.getProviderAccountId(),
                ConnectedAccount.Type.fromWireName(r.getAccountType()), PayoutStatus.fromWireName(r.getStatus()),
                new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())), r.getDescription(), r.getIdempotencyKey(),
                r.getMetadata().data(), r.getHoldTransactionId(), Optional.ofNullable(r.getProviderTransferId()), r.getTransferBooked(),
                Optional.ofNullable(r.getProviderTransferReversalId()), Optional.ofNullable(r.getProviderPayoutId()),
                Optional.ofNullable(r.getProviderPayoutStatus()), Optional.ofNullable(r.getArrivalDate()).map(Timestamps::fromColumn),
                Optional.ofNullable(r.getFailureCode()), Optional.ofNullable(r.getFailureMessage()),
                Optional.ofNullable(r.getReturnTransactionId()), r.getAttempts(), Optional.ofNullable(r.getNextAttemptAt()).map(Timestamps::fromColumn),
                Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()), history);
    }

    private static void requireOne(int rows, String payoutId) {
        if (rows != 1) {
            throw new IllegalStateException("payout " + payoutId + ": " + rows + " rows written, expected 1");
        }
    }
}
