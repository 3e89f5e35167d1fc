package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.CONNECTED_ACCOUNTS;
import static dev.payflow.core.persistence.jooq.Tables.GATEWAY_RECORDS;
import static dev.payflow.core.persistence.jooq.Tables.PAYMENTS;
import static dev.payflow.core.persistence.jooq.Tables.PAYMENT_DISPUTES;
import static dev.payflow.core.persistence.jooq.Tables.PAYOUTS;
import static dev.payflow.core.persistence.jooq.Tables.RECONCILIATION_FINDINGS;
import static dev.payflow.core.persistence.jooq.Tables.RECONCILIATION_RUNS;
import static dev.payflow.core.persistence.jooq.Tables.RECONCILIATION_TOTALS;
import static dev.payflow.core.persistence.jooq.Tables.REFUNDS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ReconciliationFinding;
import dev.payflow.core.domain.ReconciliationRun;
import dev.payflow.core.persistence.jooq.tables.records.ReconciliationFindingsRecord;
import dev.payflow.core.persistence.jooq.tables.records.ReconciliationRunsRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Reconciliation runs, their totals and findings, and the reads of PayFlow's side a run matches
 * Stripe's objects against. Operators see every partner, so nothing here is scoped to one.
 */
public final class ReconciliationRepository {
    /** Ids per {@code IN (...)}: far below PostgreSQL's 32767 bind parameters per statement. */
    static final int IDS_PER_QUERY = 1_000;
    /** The gateway whose records a run compares. */
    private static final String STRIPE = "stripe";

    // --- Runs ------------------------------------------------------------------------------------

    public void insertRun(DSLContext tx, ReconciliationRun run) {
        int inserted = runInsert(tx, run).execute();
        requireOne(inserted, run.id());
    }

    /** Inserts a scheduled run unless its day's run exists (whichever replica inserts first); false if it did. */
    public boolean insertScheduledUnlessExists(DSLContext tx, ReconciliationRun run) {
        return runInsert(tx, run).onConflict(RECONCILIATION_RUNS.LIVEMODE, RECONCILIATION_RUNS.SCHEDULED_DAY).doNothing().execute() == 1;
    }

    private static org.jooq.InsertOnDuplicateStep<ReconciliationRunsRecord> runInsert(DSLContext tx, ReconciliationRun run) {
        return tx.insertInto(RECONCILIATION_RUNS)
                .set(RECONCILIATION_RUNS.ID, run.id())
                .set(RECONCILIATION_RUNS.LIVEMODE, run.livemode())
                .set(RECONCILIATION_RUNS.WINDOW_FROM, Timestamps.toColumn(run.from()))
                .set(RECONCILIATION_RUNS.WINDOW_TO, Timestamps.toColumn(run.to()))
                .set(RECONCILIATION_RUNS.STATUS, run.status().wireName())
                .set(RECONCILIATION_RUNS.TRIGGER_KIND, run.trigger().wireName())
                .set(RECONCILIATION_RUNS.STARTED_BY, run.startedBy())
                .set(RECONCILIATION_RUNS.SCHEDULED_DAY, run.scheduledDay().orElse(null))
                .set(RECONCILIATION_RUNS.CREATED_AT, Timestamps.toColumn(run.createdAt()));
    }

    public Optional<ReconciliationRun> findRun(DSLContext tx, String id) {
        return tx.selectFrom(RECONCILIATION_RUNS).where(RECONCILIATION_RUNS.ID.eq(id)).fetchOptional()
                .map(r -> toRun(r, totals(tx, r.getId())));
    }

    public List<ReconciliationRun> listRuns(DSLContext tx, Optional<String> afterId, int limit) {
        Condition where = afterId.map(RECONCILIATION_RUNS.ID::lt).orElse(DSL.noCondition());
        return tx.selectFrom(RECONCILIATION_RUNS).where(where).orderBy(RECONCILIATION_RUNS.ID.desc()).limit(limit + 1)
                .fetch(r -> toRun(r, List.of()));
    }

    /**
     * Claims the oldest run waiting for a worker, or one whose worker died (still {@code running}
     * past its lease), with SKIP LOCKED so replicas take different runs; its findings and totals of
     * an earlier attempt are deleted, as the run starts over.
     */
    public Optional<ReconciliationRun> claimRun(DSLContext tx, Instant now, Instant leaseUntil) {
        Optional<String> due = tx.select(RECONCILIATION_RUNS.ID).from(RECONCILIATION_RUNS)
                .where(RECONCILIATION_RUNS.STATUS.eq(ReconciliationRun.Status.QUEUED.wireName())
                        .or(RECONCILIATION_RUNS.STATUS.eq(ReconciliationRun.Status.RUNNING.wireName())
                                .and(RECONCILIATION_RUNS.LEASE_UNTIL.lt(Timestamps.toColumn(now)))))
                .orderBy(RECONCILIATION_RUNS.CREATED_AT, RECONCILIATION_RUNS.ID).limit(1).forUpdate().skipLocked().fetchOptional(RECONCILIATION_RUNS.ID);
        if (due.isEmpty()) {
            return Optional.empty();
        }
        String id = due.get();
        tx.deleteFrom(RECONCILIATION_FINDINGS).where(RECONCILIATION_FINDINGS.RUN_ID.eq(id)).execute();
        tx.deleteFrom(RECONCILIATION_TOTALS).where(RECONCILIATION_TOTALS.RUN_ID.eq(id)).execute();
        int updated = tx.update(RECONCILIATION_RUNS)
                .set(RECONCILIATION_RUNS.STATUS, ReconciliationRun.Status.RUNNING.wireName())
                .set(RECONCILIATION_RUNS.LEASE_UNTIL, Timestamps.toColumn(leaseUntil))
                .set(RECONCILIATION_RUNS.ATTEMPTS, RECONCILIATION_RUNS.ATTEMPTS.plus(1))
                .set(RECONCILIATION_RUNS.STARTED_AT, Timestamps.toColumn(now))
                .set(RECONCILIATION_RUNS.STAGE, "")
                .set(RECONCILIATION_RUNS.OBJECTS_READ, 0L)
                .set(RECONCILIATION_RUNS.FINDING_COUNT, 0L)
                .where(RECONCILIATION_RUNS.ID.eq(id))
                .execute();
        requireOne(updated, id);
        return findRun(tx, id);
    }

    /** The run's progress; only while it is running (a run finished meanwhile keeps its final state). */
    public void progress(DSLContext tx, String id, String stage, long objectsRead) {
        tx.update(RECONCILIATION_RUNS).set(RECONCILIATION_RUNS.STAGE, stage).set(RECONCILIATION_RUNS.OBJECTS_READ, objectsRead)
                .where(RECONCILIATION_RUNS.ID.eq(id).and(RECONCILIATION_RUNS.STATUS.eq(ReconciliationRun.Status.RUNNING.wireName())))
                .execute();
    }

    /** Completes a running run with its totals and findings, in one transaction. */
    public void complete(DSLContext tx, String id, List<ReconciliationRun.Total> totals, List<ReconciliationFinding> findings, long objectsRead,
            Instant now) {
        Batch batch = new Batch();
        for (ReconciliationRun.Total total : totals) {
            batch.add(tx.insertInto(RECONCILIATION_TOTALS)
                    .set(RECONCILIATION_TOTALS.RUN_ID, id)
                    .set(RECONCILIATION_TOTALS.CATEGORY, total.category().wireName())
                    .set(RECONCILIATION_TOTALS.NAME, total.name())
                    .set(RECONCILIATION_TOTALS.CURRENCY, total.currency().code())
                    .set(RECONCILIATION_TOTALS.OBJECT_COUNT, total.count())
                    .set(RECONCILIATION_TOTALS.STRIPE_MINOR, total.stripeMinor())
                    .set(RECONCILIATION_TOTALS.PAYFLOW_MINOR, total.payflowMinor()), 1);
        }
        for (ReconciliationFinding f : findings) {
            batch.add(tx.insertInto(RECONCILIATION_FINDINGS)
                    .set(RECONCILIATION_FINDINGS.ID, f.id())
                    .set(RECONCILIATION_FINDINGS.RUN_ID, id)
                    .set(RECONCILIATION_FINDINGS.KIND, f.kind().wireName())
                    .set(RECONCILIATION_FINDINGS.OBJECT_TYPE, f.objectType())
                    .set(RECONCILIATION_FINDINGS.STRIPE_ID, f.stripeId())
                    .set(RECONCILIATION_FINDINGS.PAYFLOW_ID, f.payflowId())
                    .set(RECONCILIATION_FINDINGS.PARTNER_ID, f.partnerId().orElse(null))
                    .set(RECONCILIATION_FINDINGS.CURRENCY, f.currency())
                    .set(RECONCILIATION_FINDINGS.STRIPE_VALUE, f.stripeValue())
                    .set(RECONCILIATION_FINDINGS.PAYFLOW_VALUE, f.payflowValue())
                    .set(RECONCILIATION_FINDINGS.DETAIL, f.detail())
                    .set(RECONCILIATION_FINDINGS.SUGGESTED_ACTION, f.suggestedAction().wireName())
                    .set(RECONCILIATION_FINDINGS.SUGGESTION, f.suggestion())
                    .set(RECONCILIATION_FINDINGS.FEE_CORRECTION_MINOR, f.feeCorrectionMinor().orElse(null))
                    .set(RECONCILIATION_FINDINGS.STATUS, f.status().wireName())
                    .set(RECONCILIATION_FINDINGS.CREATED_AT, Timestamps.toColumn(f.createdAt())), 1);
        }
        batch.add(tx.update(RECONCILIATION_RUNS)
                .set(RECONCILIATION_RUNS.STATUS, ReconciliationRun.Status.COMPLETED.wireName())
                .set(RECONCILIATION_RUNS.STAGE, "done")
                .set(RECONCILIATION_RUNS.OBJECTS_READ, objectsRead)
                .set(RECONCILIATION_RUNS.FINDING_COUNT, (long) findings.size())
                .set(RECONCILIATION_RUNS.FINISHED_AT, Timestamps.toColumn(now))
                .setNull(RECONCILIATION_RUNS.LEASE_UNTIL)
                .where(RECONCILIATION_RUNS.ID.eq(id).and(RECONCILIATION_RUNS.STATUS.eq(ReconciliationRun.Status.RUNNING.wireName()))), 1);
        batch.execute(tx);
    }

    public void fail(DSLContext tx, String id, String message, Instant now) {
        tx.update(RECONCILIATION_RUNS)
                .set(RECONCILIATION_RUNS.STATUS, ReconciliationRun.Status.FAILED.wireName())
                .set(RECONCILIATION_RUNS.FAILURE_MESSAGE, message.length() <= 1000 ? message : message.substring(0, 1000))
                .set(RECONCILIATION_RUNS.FINISHED_AT, Timestamps.toColumn(now))
                .setNull(RECONCILIATION_RUNS.LEASE_UNTIL)
                .where(RECONCILIATION_RUNS.ID.eq(id).and(RECONCILIATION_RUNS.STATUS.eq(ReconciliationRun.Status.RUNNING.wireName())))
                .execute();
    }

    private static List<ReconciliationRun.Total> totals(DSLContext tx, String runId) {
        return tx.selectFrom(RECONCILIATION_TOTALS).where(RECONCILIATION_TOTALS.RUN_ID.eq(runId))
                .orderBy(RECONCILIATION_TOTALS.CATEGORY, RECONCILIATION_TOTALS.NAME, RECONCILIATION_TOTALS.CURRENCY)
                .fetch(r -> new ReconciliationRun.Total(ReconciliationRun.Category.fromWireName(r.getCategory()).orElseThrow(), r.getName(),
                        CurrencyUnit.of(r.getCurrency()), r.getObjectCount(), r.getStripeMinor(), r.getPayflowMinor()));
    }

    // --- Findings --------------------------------------------------------------------------------

    public List<ReconciliationFinding> findings(DSLContext tx, String runId, int limit) {
        return tx.selectFrom(RECONCILIATION_FINDINGS).where(RECONCILIATION_FINDINGS.RUN_ID.eq(runId)).orderBy(RECONCILIATION_FINDINGS.ID)
                .limit(limit).fetch(ReconciliationRepository::toFinding);
    }

    public Optional<ReconciliationFinding> findFindingForUpdate(DSLContext tx, String runId, String id) {
        return tx.selectFrom(RECONCILIATION_FINDINGS).where(RECONCILIATION_FINDINGS.ID.eq(id).and(RECONCILIATION_FINDINGS.RUN_ID.eq(runId)))
                .forUpdate().fetchOptional().map(ReconciliationRepository::toFinding);
    }

    public void resolve(DSLContext tx, String id, ReconciliationFinding.Action action, String reason, String resolvedBy,
            Optional<String> transactionId, Instant now) {
        int updated = tx.update(RECONCILIATION_FINDINGS)
                .set(RECONCILIATION_FINDINGS.STATUS, ReconciliationFinding.Status.RESOLVED.wireName())
                .set(RECONCILIATION_FINDINGS.RESOLUTION_ACTION, action.wireName())
                .set(RECONCILIATION_FINDINGS.RESOLUTION_REASON, reason)
                .set(RECONCILIATION_FINDINGS.RESOLVED_BY, resolvedBy)
                .set(RECONCILIATION_FINDINGS.RESOLVED_AT, Timestamps.toColumn(now))
                .set(RECONCILIATION_FINDINGS.TRANSACTION_ID, transactionId.orElse(null))
                .where(RECONCILIATION_FINDINGS.ID.eq(id).and(RECONCILIATION_FINDINGS.STATUS.eq(ReconciliationFinding.Status.OPEN.wireName())))
                .execute();
        requireOne(updated, id);
    }

    // --- PayFlow's side --------------------------------------------------------------------------

    /** A PayFlow record a Stripe object is matched with; {@code extra} holds what its type needs beyond the common fields. */
    public record Ours(String stripeId, String payflowId, String partnerId, long amountMinor, String currency, String status, Instant createdAt,
            Map<String, String> extra) {
    }

    /** Stripe payments of the mode created in [from, to), or with one of these PaymentIntent ids. */
    public List<Ours> payments(DSLContext tx, boolean livemode, Instant from, Instant to, Collection<String> intentIds) {
        return byWindowOrIds(intentIds, PAYMENTS.PROVIDER_PAYMENT_ID, PAYMENTS.CREATED_AT, from, to, (where) -> tx
                .select(PAYMENTS.PROVIDER_PAYMENT_ID, PAYMENTS.ID, PAYMENTS.PARTNER_ID, PAYMENTS.AMOUNT_MINOR, PAYMENTS.CURRENCY, PAYMENTS.STATUS,
                        PAYMENTS.CREATED_AT, PAYMENTS.FEE_MINOR)
                .from(PAYMENTS)
                .where(PAYMENTS.PROVIDER.eq(STRIPE).and(PAYMENTS.LIVEMODE.eq(livemode)).and(PAYMENTS.PROVIDER_PAYMENT_ID.isNotNull()).and(where))
                .fetch(r -> new Ours(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), Timestamps.fromColumn(r.value7()),
                        r.value8() == null ? Map.of() : Map.of("fee_minor", String.valueOf(r.value8())))));
    }

    /** Refunds of Stripe payments of the mode created in [from, to), or with one of these refund ids. */
    public List<Ours> refunds(DSLContext tx, boolean livemode, Instant from, Instant to, Collection<String> refundIds) {
        return byWindowOrIds(refundIds, REFUNDS.PROVIDER_REFUND_ID, REFUNDS.CREATED_AT, from, to, (where) -> tx
                .select(REFUNDS.PROVIDER_REFUND_ID, REFUNDS.ID, REFUNDS.PARTNER_ID, REFUNDS.AMOUNT_MINOR, REFUNDS.CURRENCY, REFUNDS.STATUS,
                        REFUNDS.CREATED_AT)
                .from(REFUNDS).join(PAYMENTS).on(PAYMENTS.ID.eq(REFUNDS.PAYMENT_ID))
                .where(PAYMENTS.PROVIDER.eq(STRIPE).and(REFUNDS.LIVEMODE.eq(livemode)).and(REFUNDS.PROVIDER_REFUND_ID.isNotNull()).and(where))
                .fetch(r -> new Ours(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), Timestamps.fromColumn(r.value7()),
                        Map.of())));
    }

    /** Stripe disputes of the mode created in [from, to), or with one of these dispute ids; the PayFlow id is the payment's. */
    public List<Ours> disputes(DSLContext tx, boolean livemode, Instant from, Instant to, Collection<String> disputeIds) {
        return byWindowOrIds(disputeIds, PAYMENT_DISPUTES.PROVIDER_DISPUTE_ID, PAYMENT_DISPUTES.CREATED_AT, from, to, (where) -> tx
                .select(PAYMENT_DISPUTES.PROVIDER_DISPUTE_ID, PAYMENT_DISPUTES.PAYMENT_ID, PAYMENT_DISPUTES.PARTNER_ID,
                        PAYMENT_DISPUTES.AMOUNT_MINOR, PAYMENT_DISPUTES.CURRENCY, PAYMENT_DISPUTES.STATUS, PAYMENT_DISPUTES.CREATED_AT)
                .from(PAYMENT_DISPUTES)
                .where(PAYMENT_DISPUTES.PROVIDER.eq(STRIPE).and(PAYMENT_DISPUTES.LIVEMODE.eq(livemode)).and(where))
                .fetch(r -> new Ours(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), Timestamps.fromColumn(r.value7()),
                        Map.of())));
    }

    /** Stripe payouts of the mode that made a transfer, created in [from, to) or with one of these transfer ids. */
    public List<Ours> transfers(DSLContext tx, boolean livemode, Instant from, Instant to, Collection<String> transferIds) {
        return byWindowOrIds(transferIds, PAYOUTS.PROVIDER_TRANSFER_ID, PAYOUTS.CREATED_AT, from, to, (where) -> tx
                .select(PAYOUTS.PROVIDER_TRANSFER_ID, PAYOUTS.ID, PAYOUTS.PARTNER_ID, PAYOUTS.AMOUNT_MINOR, PAYOUTS.CURRENCY,
                        PAYOUTS.PROVIDER_TRANSFER_REVERSAL_ID, PAYOUTS.CREATED_AT, PAYOUTS.PROVIDER_ACCOUNT_ID)
                .from(PAYOUTS)
                .where(PAYOUTS.PROVIDER.eq(STRIPE).and(PAYOUTS.LIVEMODE.eq(livemode)).and(PAYOUTS.PROVIDER_TRANSFER_ID.isNotNull()).and(where))
                .fetch(r -> new Ours(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6() == null ? "made" : "reversed",
                        Timestamps.fromColumn(r.value7()), Map.of("account", r.value8()))));
    }

    /** Stripe payouts of the mode that made a bank payout, created in [from, to) or with one of these payout ids. */
    public List<Ours> bankPayouts(DSLContext tx, boolean livemode, Instant from, Instant to, Collection<String> payoutIds) {
        return byWindowOrIds(payoutIds, PAYOUTS.PROVIDER_PAYOUT_ID, PAYOUTS.CREATED_AT, from, to, (where) -> tx
                .select(PAYOUTS.PROVIDER_PAYOUT_ID, PAYOUTS.ID, PAYOUTS.PARTNER_ID, PAYOUTS.AMOUNT_MINOR, PAYOUTS.CURRENCY, PAYOUTS.STATUS,
                        PAYOUTS.CREATED_AT, PAYOUTS.PROVIDER_ACCOUNT_ID)
                .from(PAYOUTS)
                .where(PAYOUTS.PROVIDER.eq(STRIPE).and(PAYOUTS.LIVEMODE.eq(livemode)).and(PAYOUTS.PROVIDER_PAYOUT_ID.isNotNull()).and(where))
                .fetch(r -> new Ours(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(), Timestamps.fromColumn(r.value7()),
                        Map.of("account", r.value8()))));
    }

    /** Which of these Stripe ids PayFlow recorded as a gateway object of the mode (a charge's transfer to a routed account, ...). */
    public java.util.Set<String> knownGatewayObjects(DSLContext tx, boolean livemode, Collection<String> ids) {
        java.util.Set<String> known = new java.util.HashSet<>();
        for (List<String> chunk : chunks(ids)) {
            known.addAll(tx.select(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID).from(GATEWAY_RECORDS)
                    .where(GATEWAY_RECORDS.GATEWAY.eq(STRIPE).and(GATEWAY_RECORDS.LIVEMODE.eq(livemode))
                            .and(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID.in(chunk)))
                    .fetch(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID));
        }
        return known;
    }

    /** A connected account at Stripe: its id there, its partner, and whether PayFlow makes its payouts (Express) or it does (Standard). */
    public record StripeAccount(String providerAccountId, String partnerId, boolean express) {
    }

    /** The mode's Stripe connected accounts. */
    public List<StripeAccount> connectedAccounts(DSLContext tx, boolean livemode) {
        return tx.select(CONNECTED_ACCOUNTS.PROVIDER_ACCOUNT_ID, CONNECTED_ACCOUNTS.PARTNER_ID, CONNECTED_ACCOUNTS.TYPE).from(CONNECTED_ACCOUNTS)
                .where(CONNECTED_ACCOUNTS.PROVIDER.eq(STRIPE).and(CONNECTED_ACCOUNTS.LIVEMODE.eq(livemode))
                        .and(CONNECTED_ACCOUNTS.PROVIDER_ACCOUNT_ID.isNotNull()))
                .orderBy(CONNECTED_ACCOUNTS.ID)
                .fetch(r -> new StripeAccount(r.value1(), r.value2(), "express".equals(r.value3())));
    }

    /** What PayFlow booked as fees for one Stripe balance transaction: its partner and the fee, from gateway_fees' point of view. */
    public record BookedFee(String partnerId, long feeMinor) {
    }

    /**
     * The fees booked per Stripe balance transaction (a payment's fee, a correction booked by
     * resolving a finding): what left the mode's Stripe {@code gateway_fees} accounts in
     * transactions that name the balance transaction as their gateway reference.
     */
    public Map<String, BookedFee> bookedFees(DSLContext tx, boolean livemode, Collection<String> balanceTransactionIds) {
        Map<String, BookedFee> booked = new HashMap<>();
        for (List<String> chunk : chunks(balanceTransactionIds)) {
            tx.fetch("select t.gateway_transaction_id, min(t.partner_id), -sum(e.amount_minor) from transactions t "
                    + "join ledger_entries e on e.transaction_id = t.id join system_accounts a on a.id = e.system_account_id "
                    + "where t.livemode = ? and t.gateway = 'stripe' and a.kind = 'gateway_fees' and a.provider = 'stripe' "
                    + "and t.gateway_transaction_id = any(?) group by t.gateway_transaction_id", livemode, chunk.toArray(new String[0]))
                    .forEach(r -> booked.put(r.get(0, String.class), new BookedFee(r.get(1, String.class), r.get(2, Long.class))));
        }
        return booked;
    }

    /**
     * The movement of the mode's Stripe system accounts in [from, to), per kind and currency, from
     * Stripe's point of view: what the platform's balance gained ({@code gateway_clearing}: minus
     * its entries, as it is kept with the opposite sign of a wallet), the fees charged
     * ({@code gateway_fees}: minus its entries), and what left {@code payouts_in_transit} for
     * Stripe in payout transfers (its outflow in transactions of type {@code payout}). A correction
     * booked by resolving a finding counts in the window of the balance transaction it names (one of
     * {@code balanceTransactionIds}), whenever it was booked, so the next run of the window agrees.
     */
    public Map<String, Map<String, Long>> systemAccountMovements(DSLContext tx, boolean livemode, Instant from, Instant to,
            Collection<String> balanceTransactionIds) {
        Map<String, Map<String, Long>> movements = new HashMap<>();
        tx.fetch("select a.kind, e.currency, -sum(e.amount_minor) from ledger_entries e join system_accounts a on a.id = e.system_account_id "
                + "join transactions t on t.id = e.transaction_id "
                + "where e.livemode = ? and a.provider = 'stripe' "
                + "and ((t.created_at >= cast(? as timestamptz) and t.created_at < cast(? as timestamptz) and t.idempotency_key not like 'sys:reconciliation:%') "
                + "or (t.idempotency_key like 'sys:reconciliation:%' and t.gateway_transaction_id = any(?))) "
                + "and (a.kind in ('gateway_clearing', 'gateway_fees') or (a.kind = 'payouts_in_transit' and t.type = 'payout' and e.amount_minor < 0)) "
                + "group by a.kind, e.currency", livemode, Timestamps.toColumn(from), Timestamps.toColumn(to),
                balanceTransactionIds.toArray(new String[0]))
                .forEach(r -> movements.computeIfAbsent(r.get(0, String.class), kind -> new HashMap<>()).put(r.get(1, String.class),
                        r.get(2, Long.class)));
        return movements;
    }

    @FunctionalInterface
    private interface Query {
        List<Ours> with(Condition where);
    }

    /** The records created in the window, and those named by id (in bounded chunks), each once. */
    private static List<Ours> byWindowOrIds(Collection<String> ids, Field<String> idField, Field<java.time.OffsetDateTime> createdField,
            Instant from, Instant to, Query query) {
        Map<String, Ours> found = new java.util.LinkedHashMap<>();
        query.with(createdField.ge(Timestamps.toColumn(from)).and(createdField.lt(Timestamps.toColumn(to))))
                .forEach(o -> found.put(o.stripeId(), o));
        for (List<String> chunk : chunks(ids)) {
            query.with(idField.in(chunk)).forEach(o -> found.putIfAbsent(o.stripeId(), o));
        }
        return new ArrayList<>(found.values());
    }

    private static List<List<String>> chunks(Collection<String> ids) {
        List<String> all = new ArrayList<>(ids);
        List<List<String>> chunks = new ArrayList<>();
        for (int start = 0; start < all.size(); start += IDS_PER_QUERY) {
            chunks.add(all.subList(start, Math.min(all.size(), start + IDS_PER_QUERY)));
        }
        return chunks;
    }

    private static void requireOne(int rows, String id) {
        if (rows != 1) {
            throw new IllegalStateException(id + ": " + rows + " rows written (expected: 1)");
        }
    }

    private static ReconciliationRun toRun(ReconciliationRunsRecord r, List<ReconciliationRun.Total> totals) {
        return new ReconciliationRun(r.getId(), r.getLivemode(), Timestamps.fromColumn(r.getWindowFrom()), Timestamps.fromColumn(r.getWindowTo()),
                ReconciliationRun.Status.fromWireName(r.getStatus()).orElseThrow(),
                ReconciliationRun.Trigger.fromWireName(r.getTriggerKind()).orElseThrow(), r.getStartedBy(),
                Optional.ofNullable(r.getScheduledDay()), r.getStage(), r.getObjectsRead(), r.getFindingCount(), r.getFailureMessage(),
                Timestamps.fromColumn(r.getCreatedAt()), Optional.ofNullable(r.getStartedAt()).map(Timestamps::fromColumn),
                Optional.ofNullable(r.getFinishedAt()).map(Timestamps::fromColumn), totals);
    }

    private static ReconciliationFinding toFinding(ReconciliationFindingsRecord r) {
        return new ReconciliationFinding(r.getId(), r.getRunId(), ReconciliationFinding.Kind.fromWireName(r.getKind()).orElseThrow(),
                r.getObjectType(), r.getStripeId(), r.getPayflowId(), Optional.ofNullable(r.getPartnerId()), r.getCurrency(), r.getStripeValue(),
                r.getPayflowValue(), r.getDetail(), ReconciliationFinding.Action.fromWireName(r.getSuggestedAction()).orElseThrow(),
                r.getSuggestion(), Optional.ofNullable(r.getFeeCorrectionMinor()),
                ReconciliationFinding.Status.fromWireName(r.getStatus()).orElseThrow(),
                Optional.ofNullable(r.getResolutionAction()).flatMap(ReconciliationFinding.Action::fromWireName),
                r.getResolutionReason() == null ? "" : r.getResolutionReason(), r.getResolvedBy() == null ? "" : r.getResolvedBy(),
                Optional.ofNullable(r.getResolvedAt()).map(Timestamps::fromColumn), Optional.ofNullable(r.getTransactionId()),
                Timestamps.fromColumn(r.getCreatedAt()));
    }
}
