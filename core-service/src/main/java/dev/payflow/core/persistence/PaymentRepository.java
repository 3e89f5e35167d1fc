package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.GATEWAY_RECORDS;
import static dev.payflow.core.persistence.jooq.Tables.PAYMENTS;
import static dev.payflow.core.persistence.jooq.Tables.PAYMENT_STATUS_CHANGES;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PaymentStatus;
import dev.payflow.core.persistence.jooq.tables.records.PaymentsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Payments, their status history, and the gateway records of the objects they touched. A
 * payment's row is changed only under its row lock ({@link #findForUpdate}), so our call's answer,
 * a webhook and recovery never apply over one another.
 */
public final class PaymentRepository {

    /** Inserts a new payment with the first entry of its status history. */
    public void insert(DSLContext tx, Payment payment, Payment.StatusChange first) {
        requireOne(tx.insertInto(PAYMENTS)
                .set(PAYMENTS.ID, payment.id())
                .set(PAYMENTS.PARTNER_ID, payment.scope().partnerId())
                .set(PAYMENTS.LIVEMODE, payment.scope().livemode())
                .set(PAYMENTS.STATUS, payment.status().wireName())
                .set(PAYMENTS.AMOUNT_MINOR, payment.amount().minorUnits())
                .set(PAYMENTS.AMOUNT_REFUNDED_MINOR, payment.amountRefundedMinor())
                .set(PAYMENTS.CURRENCY, payment.amount().currency().code())
                .set(PAYMENTS.PROVIDER, payment.provider())
                .set(PAYMENTS.PROVIDER_PAYMENT_ID, payment.providerPaymentId().orElse(null))
                .set(PAYMENTS.PAYMENT_METHOD, payment.paymentMethod())
                .set(PAYMENTS.CUSTOMER, payment.customer().orElse(null))
                .set(PAYMENTS.WALLET_ID, payment.walletId().orElse(null))
                .set(PAYMENTS.CAPTURE, payment.capture())
                .set(PAYMENTS.RETURN_URL, payment.returnUrl().orElse(null))
                .set(PAYMENTS.DESCRIPTION, payment.description())
                .set(PAYMENTS.IDEMPOTENCY_KEY, payment.idempotencyKey())
                .set(PAYMENTS.METADATA, JSONB.valueOf(payment.metadataJson()))
                .set(PAYMENTS.CREATED_AT, Timestamps.toColumn(payment.createdAt()))
                .set(PAYMENTS.UPDATED_AT, Timestamps.toColumn(payment.updatedAt()))
                .execute(), payment.id());
        addStatusChange(tx, payment.id(), 1, first);
    }

    /**
     * Writes a payment's new state (status, gateway fields, transaction) and appends the status
     * change to its history, if the status changed. The caller holds the row lock.
     */
    public void update(DSLContext tx, Payment changed, Optional<Payment.StatusChange> statusChange) {
        requireOne(tx.update(PAYMENTS)
                .set(PAYMENTS.STATUS, changed.status().wireName())
                .set(PAYMENTS.AMOUNT_REFUNDED_MINOR, changed.amountRefundedMinor())
                .set(PAYMENTS.PROVIDER_PAYMENT_ID, changed.providerPaymentId().orElse(null))
                .set(PAYMENTS.TRANSACTION_ID, changed.transactionId().orElse(null))
                .set(PAYMENTS.NEXT_ACTION_TYPE, changed.nextAction().map(Payment.NextAction::type).orElse(null))
                .set(PAYMENTS.NEXT_ACTION_REDIRECT_URL, changed.nextAction().flatMap(Payment.NextAction::redirectUrl).orElse(null))
                .set(PAYMENTS.FAILURE_CODE, changed.failureCode().orElse(null))
                .set(PAYMENTS.FAILURE_MESSAGE, changed.failureMessage().orElse(null))
                .set(PAYMENTS.UPDATED_AT, Timestamps.toColumn(changed.updatedAt()))
                .where(inScope(changed.scope())).and(PAYMENTS.ID.eq(changed.id()))
                .execute(), changed.id());
        if (statusChange.isPresent()) {
            addStatusChange(tx, changed.id(), changed.statusHistory().size() + 1, statusChange.get());
        }
    }

    private static void addStatusChange(DSLContext tx, String paymentId, int sequence, Payment.StatusChange change) {
        requireOne(tx.insertInto(PAYMENT_STATUS_CHANGES)
                .set(PAYMENT_STATUS_CHANGES.PAYMENT_ID, paymentId)
                .set(PAYMENT_STATUS_CHANGES.SEQUENCE, sequence)
                .set(PAYMENT_STATUS_CHANGES.STATUS, change.status().wireName())
                .set(PAYMENT_STATUS_CHANGES.CAUSE, change.cause().wireName())
                .set(PAYMENT_STATUS_CHANGES.CAUSE_ID, change.causeId())
                .set(PAYMENT_STATUS_CHANGES.CHANGED_AT, Timestamps.toColumn(change.at()))
                .execute(), paymentId);
    }

    public Optional<Payment> find(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PAYMENTS).where(inScope(scope)).and(PAYMENTS.ID.eq(id)).fetchOptional().map(r -> toPayment(tx, r));
    }

    /** Locks the payment's row until the transaction ends: every change of a payment takes this lock first. */
    public Optional<Payment> findForUpdate(DSLContext tx, PartnerScope scope, String id) {
        return tx.selectFrom(PAYMENTS).where(inScope(scope)).and(PAYMENTS.ID.eq(id)).forUpdate().fetchOptional().map(r -> toPayment(tx, r));
    }

    /**
     * Locks the payment a gateway event names, whichever partner it is of: by our id (the
     * {@code payflow_payment_id} the gateway keeps in its metadata) when given, else by the
     * gateway's id for it. Only payments of that provider and mode qualify.
     */
    public Optional<Payment> findForUpdateFromGateway(DSLContext tx, String provider, boolean livemode, Optional<String> paymentId,
            String providerPaymentId) {
        Condition where = PAYMENTS.PROVIDER.eq(provider).and(PAYMENTS.LIVEMODE.eq(livemode));
        where = paymentId.isPresent() ? where.and(PAYMENTS.ID.eq(paymentId.get())) : where.and(PAYMENTS.PROVIDER_PAYMENT_ID.eq(providerPaymentId));
        return tx.selectFrom(PAYMENTS).where(where).forUpdate().fetchOptional().map(r -> toPayment(tx, r));
    }

    /**
     * Leases up to {@code limit} payments whose outcome is still open and that nobody asked the
     * gateway about since {@code dueBefore}: locked with SKIP LOCKED (another replica's lease is
     * skipped), stamped as checked now, and returned. The caller commits before it calls out.
     */
    public List<Payment> leaseForRecovery(DSLContext tx, Instant dueBefore, Instant now, int limit) {
        List<String> ids = tx.select(PAYMENTS.ID).from(PAYMENTS)
                .where(PAYMENTS.STATUS.in(PaymentStatus.PENDING.wireName(), PaymentStatus.PROCESSING.wireName())
                        // A PayPal order waiting for its payer is asked about too: approved, it is captured; past its expiry, cancelled.
                        .or(PAYMENTS.STATUS.eq(PaymentStatus.REQUIRES_ACTION.wireName()).and(PAYMENTS.PROVIDER.in(WAITING_ASKED_ABOUT))))
                .and(PAYMENTS.UPDATED_AT.le(Timestamps.toColumn(dueBefore)))
                .and(PAYMENTS.RECOVERY_CHECKED_AT.isNull().or(PAYMENTS.RECOVERY_CHECKED_AT.le(Timestamps.toColumn(dueBefore))))
                .orderBy(PAYMENTS.UPDATED_AT, PAYMENTS.ID)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(PAYMENTS.ID);
        if (ids.isEmpty()) {
            return List.of();
        }
        tx.update(PAYMENTS).set(PAYMENTS.RECOVERY_CHECKED_AT, Timestamps.toColumn(now)).where(PAYMENTS.ID.in(ids)).execute();
        return tx.selectFrom(PAYMENTS).where(PAYMENTS.ID.in(ids)).orderBy(PAYMENTS.ID).fetch(r -> toPayment(tx, r));
    }

    /**
     * Payments stuck, by provider and status: {@code pending} or {@code processing} unchanged since
     * {@code unsettledBefore} (recovery has had its chance), and {@code requires_action} unchanged
     * since the provider's approval window ({@code waitingBefore}, by provider) ended. Two grouped
     * counts on partial indexes, across partners and modes: cheap enough for every recovery pass.
     */
    public Map<StuckKey, Long> countStuck(DSLContext tx, Instant unsettledBefore, Map<String, Instant> waitingBefore) {
        Map<StuckKey, Long> counts = new java.util.HashMap<>();
        tx.select(PAYMENTS.PROVIDER, PAYMENTS.STATUS, DSL.count())
                .from(PAYMENTS)
                .where(PAYMENTS.STATUS.in(PaymentStatus.PENDING.wireName(), PaymentStatus.PROCESSING.wireName()))
                .and(PAYMENTS.UPDATED_AT.le(Timestamps.toColumn(unsettledBefore)))
                .groupBy(PAYMENTS.PROVIDER, PAYMENTS.STATUS)
                .forEach(r -> counts.put(new StuckKey(r.value1(), r.value2()), r.value3().longValue()));
        for (Map.Entry<String, Instant> provider : waitingBefore.entrySet()) {
            if (!WAITING_ASKED_ABOUT.contains(provider.getKey())) {
                continue;
            }
            long waiting = tx.fetchCount(PAYMENTS, PAYMENTS.STATUS.eq(PaymentStatus.REQUIRES_ACTION.wireName())
                    .and(PAYMENTS.PROVIDER.eq(provider.getKey()))
                    .and(PAYMENTS.UPDATED_AT.le(Timestamps.toColumn(provider.getValue()))));
            if (waiting > 0) {
                counts.put(new StuckKey(provider.getKey(), PaymentStatus.REQUIRES_ACTION.wireName()), waiting);
            }
        }
        return counts;
    }

    /** A provider's name and a payment status, as stored. */
    public record StuckKey(String provider, String status) {
    }

    /**
     * The providers whose payments waiting in {@code requires_action} recovery asks about (and
     * cancels past their approval window): PayPal's orders. A Stripe payment waiting for 3-D
     * Secure stays as Stripe keeps it, so it is never counted stuck either.
     */
    public static final List<String> WAITING_ASKED_ABOUT = List.of("paypal");

    /** The payment a partner's idempotency key created, if any. */
    public Optional<Payment> findByIdempotencyKey(DSLContext tx, PartnerScope scope, String key) {
        return tx.selectFrom(PAYMENTS).where(inScope(scope)).and(PAYMENTS.IDEMPOTENCY_KEY.eq(key)).fetchOptional().map(r -> toPayment(tx, r));
    }

    /** Newest first, optionally in one status or for one wallet; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<Payment> list(DSLContext tx, PartnerScope scope, Optional<PaymentStatus> status, Optional<String> walletId,
            Optional<String> afterId, int limit) {
        Condition where = inScope(scope);
        if (status.isPresent()) {
            where = where.and(PAYMENTS.STATUS.eq(status.get().wireName()));
        }
        if (walletId.isPresent()) {
            where = where.and(PAYMENTS.WALLET_ID.eq(walletId.get()));
        }
        if (afterId.isPresent()) {
            where = where.and(PAYMENTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(PAYMENTS).where(where).orderBy(PAYMENTS.ID.desc()).limit(limit + 1).fetch(r -> toPayment(tx, r));
    }

    /** A payment of any partner and mode: for operators only, never behind a partner key. */
    public Optional<Payment> findOfAnyPartner(DSLContext tx, String id) {
        return tx.selectFrom(PAYMENTS).where(PAYMENTS.ID.eq(id)).fetchOptional().map(r -> toPayment(tx, r));
    }

    /** Across partners, newest first, for operators; one more than {@code limit} rows so the caller can tell whether a next page exists. */
    public List<Payment> listAcrossPartners(DSLContext tx, dev.payflow.core.domain.AcrossPartners across, Optional<PaymentStatus> status,
            Optional<String> provider, Optional<String> afterId, int limit) {
        Condition where = org.jooq.impl.DSL.noCondition();
        if (across.partnerId().isPresent()) {
            where = where.and(PAYMENTS.PARTNER_ID.eq(across.partnerId().get()));
        }
        if (across.livemode().isPresent()) {
            where = where.and(PAYMENTS.LIVEMODE.eq(across.livemode().get()));
        }
        if (across.createdFrom().isPresent()) {
            where = where.and(PAYMENTS.CREATED_AT.ge(Timestamps.toColumn(across.createdFrom().get())));
        }
        if (across.createdTo().isPresent()) {
            where = where.and(PAYMENTS.CREATED_AT.lt(Timestamps.toColumn(across.createdTo().get())));
        }
        if (status.isPresent()) {
            where = where.and(PAYMENTS.STATUS.eq(status.get().wireName()));
        }
        if (provider.isPresent()) {
            where = where.and(PAYMENTS.PROVIDER.eq(provider.get()));
        }
        if (afterId.isPresent()) {
            where = where.and(PAYMENTS.ID.lt(afterId.get()));
        }
        return tx.selectFrom(PAYMENTS).where(where).orderBy(PAYMENTS.ID.desc()).limit(limit + 1).fetch(r -> toPayment(tx, r));
    }

    /**
     * Keeps the gateway's object as it last sent it (one row per object), linked to the payment
     * and, once booked, the ledger transaction.
     */
    public void recordGatewayObject(DSLContext tx, Payment payment, String gateway, String objectId, String objectType, String status,
            String objectJson, Instant now) {
        tx.insertInto(GATEWAY_RECORDS)
                .set(GATEWAY_RECORDS.GATEWAY, gateway)
                .set(GATEWAY_RECORDS.LIVEMODE, payment.scope().livemode())
                .set(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID, objectId)
                .set(GATEWAY_RECORDS.OBJECT_TYPE, objectType)
                .set(GATEWAY_RECORDS.PARTNER_ID, payment.scope().partnerId())
                .set(GATEWAY_RECORDS.STATUS, status)
                .set(GATEWAY_RECORDS.AMOUNT_MINOR, payment.amount().minorUnits())
                .set(GATEWAY_RECORDS.CURRENCY, payment.amount().currency().code())
                .set(GATEWAY_RECORDS.METADATA, JSONB.valueOf(objectJson))
                .set(GATEWAY_RECORDS.PAYMENT_ID, payment.id())
                .set(GATEWAY_RECORDS.TRANSACTION_ID, payment.transactionId().orElse(null))
                .set(GATEWAY_RECORDS.CREATED_AT, Timestamps.toColumn(now))
                .set(GATEWAY_RECORDS.UPDATED_AT, Timestamps.toColumn(now))
                .onConflict(GATEWAY_RECORDS.GATEWAY, GATEWAY_RECORDS.LIVEMODE, GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID)
                .doUpdate()
                .set(GATEWAY_RECORDS.STATUS, status)
                .set(GATEWAY_RECORDS.METADATA, JSONB.valueOf(objectJson))
                .set(GATEWAY_RECORDS.TRANSACTION_ID, payment.transactionId().orElse(null))
                .set(GATEWAY_RECORDS.UPDATED_AT, Timestamps.toColumn(now))
                .execute();
    }

    /** The gateway's payment (pi_...) whose object we keep names this charge as its latest, if any. */
    public Optional<String> findProviderPaymentIdByCharge(DSLContext tx, String gateway, boolean livemode, String chargeId) {
        return tx.select(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID).from(GATEWAY_RECORDS)
                .where(GATEWAY_RECORDS.GATEWAY.eq(gateway)).and(GATEWAY_RECORDS.LIVEMODE.eq(livemode))
                .and(GATEWAY_RECORDS.OBJECT_TYPE.eq("payment_intent"))
                .and(org.jooq.impl.DSL.condition("{0} ->> 'latest_charge' = {1}", GATEWAY_RECORDS.METADATA, org.jooq.impl.DSL.val(chargeId)))
                .limit(1).fetchOptional(GATEWAY_RECORDS.GATEWAY_TRANSACTION_ID);
    }

    /** Whether the gateway's fee of a payment is known (and, if any, booked). */
    public boolean feeKnown(DSLContext tx, String paymentId) {
        return tx.select(PAYMENTS.FEE_MINOR).from(PAYMENTS).where(PAYMENTS.ID.eq(paymentId)).fetchOptional(PAYMENTS.FEE_MINOR)
                .filter(Objects::nonNull).isPresent();
    }

    /** Records the gateway's fee of a payment and the transaction that booked it (none for a zero fee). The caller holds the row lock. */
    public void recordFee(DSLContext tx, String paymentId, long feeMinor, Optional<String> transactionId) {
        requireOne(tx.update(PAYMENTS)
                .set(PAYMENTS.FEE_MINOR, feeMinor)
                .set(PAYMENTS.FEE_TRANSACTION_ID, transactionId.orElse(null))
                .where(PAYMENTS.ID.eq(paymentId)).and(PAYMENTS.FEE_MINOR.isNull())
                .execute(), paymentId);
    }

    /**
     * Leases up to {@code limit} captured payments whose gateway fee is not known yet and that
     * nobody asked about since {@code dueBefore}: as {@link #leaseForRecovery}, SKIP LOCKED and
     * stamped, so replicas share the work; the caller commits before it calls out.
     */
    public List<Payment> leaseForFee(DSLContext tx, Instant dueBefore, Instant now, int limit) {
        List<String> ids = tx.select(PAYMENTS.ID).from(PAYMENTS)
                .where(PAYMENTS.FEE_MINOR.isNull())
                .and(PAYMENTS.STATUS.in(PaymentStatus.SUCCEEDED.wireName(), PaymentStatus.REFUNDED.wireName(),
                        PaymentStatus.PARTIALLY_REFUNDED.wireName()))
                .and(PAYMENTS.FEE_CHECKED_AT.isNull().or(PAYMENTS.FEE_CHECKED_AT.le(Timestamps.toColumn(dueBefore))))
                .orderBy(PAYMENTS.UPDATED_AT, PAYMENTS.ID)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(PAYMENTS.ID);
        if (ids.isEmpty()) {
            return List.of();
        }
        tx.update(PAYMENTS).set(PAYMENTS.FEE_CHECKED_AT, Timestamps.toColumn(now)).where(PAYMENTS.ID.in(ids)).execute();
        return tx.selectFrom(PAYMENTS).where(PAYMENTS.ID.in(ids)).orderBy(PAYMENTS.ID).fetch(r -> toPayment(tx, r));
    }

    private static Condition inScope(PartnerScope scope) {
        Objects.requireNonNull(scope, "scope");
        return PAYMENTS.PARTNER_ID.eq(scope.partnerId()).and(PAYMENTS.LIVEMODE.eq(scope.livemode()));
    }

    private static Payment toPayment(DSLContext tx, PaymentsRecord r) {
        List<Payment.StatusChange> history = tx.selectFrom(PAYMENT_STATUS_CHANGES)
                .where(PAYMENT_STATUS_CHANGES.PAYMENT_ID.eq(r.getId()))
                .orderBy(PAYMENT_STATUS_CHANGES.SEQUENCE)
                .fetch(c -> new Payment.StatusChange(PaymentStatus.fromWireName(c.getStatus()), Timestamps.fromColumn(c.getChangedAt()),
                        Payment.Cause.fromWireName(c.getCause()), c.getCauseId()));
        Optional<Payment.NextAction> nextAction = Optional.ofNullable(r.getNextActionType())
                .map(type -> new Payment.NextAction(type, Optional.ofNullable(r.getNextActionRedirectUrl())));
        return new Payment(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), PaymentStatus.fromWireName(r.getStatus()),
                new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())), r.getAmountRefundedMinor(), r.getProvider(),
                Optional.ofNullable(r.getProviderPaymentId()), r.getPaymentMethod(), Optional.ofNullable(r.getCustomer()),
                Optional.ofNullable(r.getWalletId()), r.getCapture(), Optional.ofNullable(r.getReturnUrl()), r.getDescription(),
                r.getIdempotencyKey(), r.getMetadata().data(), Optional.ofNullable(r.getTransactionId()), nextAction,
                Optional.ofNullable(r.getFailureCode()), Optional.ofNullable(r.getFailureMessage()), Timestamps.fromColumn(r.getCreatedAt()),
                Timestamps.fromColumn(r.getUpdatedAt()), history);
    }

    private static void requireOne(int rows, String paymentId) {
        if (rows != 1) {
            throw new IllegalStateException("payment " + paymentId + ": " + rows + " rows written, expected 1");
        }
    }
}
