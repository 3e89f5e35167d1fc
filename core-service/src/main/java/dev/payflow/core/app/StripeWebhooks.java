package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.GatewayEvent;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Refund;
import dev.payflow.core.gateway.StripeEvents;
import dev.payflow.core.gateway.StripePayments;
import dev.payflow.core.gateway.StripeSignatures;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.GatewayEventRepository;
import dev.payflow.core.persistence.PaymentRepository;
import dev.payflow.core.persistence.RefundRepository;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe's webhooks in: the signature is verified over the exact bytes before anything is parsed,
 * the event is stored once under our own id ({@code gwe_...}), and its effect is applied in the
 * same database transaction that marks it processed, so each Stripe event id changes the books at
 * most once. An event for a payment not recorded yet is kept and applied later
 * ({@link #applyWaiting}), never dropped. Events answer 200 whatever their mode: one of the other
 * mode than its secret's (Stripe sends test-mode Connect events to live endpoints) is applied in
 * its own mode, never refused with an error that makes Stripe retry it for days.
 */
public final class StripeWebhooks {
    private static final Logger LOG = LoggerFactory.getLogger(StripeWebhooks.class);
    /** Stripe's events are a few KiB; a body 64 times the usual size is not an event. */
    public static final int EVENT_BYTES_MAX = 256 * 1024;
    /** Waiting events retried per run: bounded, so one run is one short transaction. */
    static final int WAITING_BATCH_MAX = 100;
    /** The PaymentIntent events whose object's status PayFlow applies. */
    static final Set<String> PAYMENT_INTENT_EVENTS = Set.of("payment_intent.succeeded", "payment_intent.payment_failed",
            "payment_intent.canceled", "payment_intent.requires_action", "payment_intent.amount_capturable_updated",
            "payment_intent.processing");
    /** The refund events whose refund's status PayFlow applies (a failed refund is reversed in the books). */
    static final Set<String> REFUND_EVENTS = Set.of("charge.refund.updated", "refund.created", "refund.updated", "refund.failed");
    /** A charge refunded (in part or in full), listing its refunds: ours, or ones made in Stripe's dashboard. */
    static final String CHARGE_REFUNDED = "charge.refunded";
    /** The dispute events PayFlow applies: created/updated/closed change the status only; withdrawn and reinstated move money. */
    static final Set<String> DISPUTE_EVENTS = Set.of("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
            "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated");

    private final Database database;
    private final Services services;
    private final StripeSignatures signatures;
    private final GatewayEventRepository events;
    private final PaymentRepository paymentRows;
    private final Payments payments;
    private final RefundRepository refunds = new RefundRepository();
    private final ConnectAccounts connect;
    private volatile StripePayoutEvents payoutEvents;

    public StripeWebhooks(Database database, Services services, StripeSignatures signatures, GatewayEventRepository events,
            PaymentRepository paymentRows, Payments payments, ConnectAccounts connect) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        this.events = Objects.requireNonNull(events, "events");
        this.paymentRows = Objects.requireNonNull(paymentRows, "paymentRows");
        this.payments = Objects.requireNonNull(payments, "payments");
        this.connect = Objects.requireNonNull(connect, "connect");
    }

    /** Receives one delivery: verifies, stores once, applies once. Returns the stored event's id. */
    public String receive(byte[] body, Optional<String> signatureHeader) {
        if (body.length > EVENT_BYTES_MAX) {
            throw PayflowException.of(ErrorReason.MALFORMED_REQUEST, "a Stripe event of %d bytes (expected: at most %d)", body.length,
                    EVENT_BYTES_MAX);
        }
        boolean secretLivemode;
        try {
            secretLivemode = signatures.verify(body, signatureHeader, services.clock().instant());
        } catch (StripeSignatures.Refused refused) {
            // Logged without the body: an unverified body is not ours to keep.
            LOG.warn("Stripe webhook refused: {} ({} bytes)", refused.getMessage(), body.length);
            signatureFailures.count("stripe");
            throw PayflowException.of(ErrorReason.INVALID_SIGNATURE, "invalid Stripe-Signature: %s", refused.getMessage());
        }
        String json = utf8(body);
        StripeEvents.Event event = StripeEvents.parse(json).orElseThrow(() -> PayflowException.of(ErrorReason.MALFORMED_REQUEST,
                "the signed body is not a Stripe event"));
        if (event.livemode() != secretLivemode) {
            LOG.info("Stripe event {} ({}) is livemode={} but came signed with a livemode={} secret; applied in its own mode",
                    event.providerEventId(), event.type(), event.livemode(), secretLivemode);
        }
        String storedId = database.inTransaction(tx -> {
            Instant now = services.now();
            GatewayEvent stored = events.storeOnceAndLock(tx, services.ids().next(IdPrefix.GATEWAY_EVENT),
                    StripePayments.NAME, event.providerEventId(), event.type(), event.livemode(), json, now);
            if (stored.processedAt().isEmpty()) {
                apply(tx, stored, event);
            }
            return stored.id();
        });
        if (PAYMENT_INTENT_EVENTS.contains(event.type()) && "succeeded".equals(event.objectStatus())) {
            settleFeeAfter(event);
        }
        return storedId;
    }

    /** Committed: a payment the event captured has its fee asked for now (a failure here is the fee sweep's to retry, never the event's). */
    private void settleFeeAfter(StripeEvents.Event event) {
        try {
            database.inTransaction(tx -> paymentRows.findForUpdateFromGateway(tx, StripePayments.NAME, event.livemode(),
                    event.payflowPaymentId(), event.objectId())).filter(payment -> payment.status().isCaptured()).ifPresent(payments::settleFee);
        } catch (RuntimeException e) {
            LOG.warn("the fee of {} is left to the fee sweep", event.objectId(), e);
        }
    }

    /** Applies a stored event again (an operator's replay): what it did before is not done twice. */
    public GatewayEvent replay(String idText) {
        String id = Ids.require(idText, IdPrefix.GATEWAY_EVENT, "id");
        return database.inTransaction(tx -> {
            GatewayEvent stored = events.findForUpdate(tx, id).orElseThrow(() -> PayflowException.of(
                    ErrorReason.GATEWAY_EVENT_NOT_FOUND, "gateway event %s not found", id));
            apply(tx, stored, StripeEvents.parse(stored.payload()).orElseThrow());
            return events.findForUpdate(tx, id).orElseThrow();
        });
    }

    /** Applies the events that wait for their payment, a bounded batch; several replicas share the work. Returns how many were applied. */
    public int applyWaiting() {
        return database.inTransaction(tx -> {
            int applied = 0;
            for (GatewayEvent stored : events.lockWaiting(tx, StripePayments.NAME, WAITING_BATCH_MAX)) {
                if (apply(tx, stored, StripeEvents.parse(stored.payload()).orElseThrow())) {
                    applied++;
                }
            }
            return applied;
        });
    }

    public Page<GatewayEvent> list(Optional<String> type, Optional<Boolean> livemode, Optional<Boolean> processed,
            int pageSize, String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "gateway-events|" + type.orElse("") + "|" + livemode.map(String::valueOf).orElse("")
                + "|" + processed.map(String::valueOf).orElse(""));
        return database.inTransaction(tx -> Pages.of(events.list(tx, type, livemode, processed, page.afterId(), page.size()), page,
                GatewayEvent::id));
    }

    /** Applies one event inside the caller's transaction; true if it is now processed, false if it still waits for its payment. */
    private boolean apply(DSLContext tx, GatewayEvent stored, StripeEvents.Event event) {
        Instant now = services.now();
        if (payoutEvents != null && StripePayoutEvents.handles(event.type())) {
            String applied = payoutEvents.apply(tx, event.type(), event.livemode(), event.objectJson(), StripeEvents.account(stored.payload()),
                    stored.id());
            LOG.info("Stripe event {} ({}): {}", event.providerEventId(), event.type(), applied);
            events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
            return true;
        }
        if (ConnectAccounts.handles(event.type())) {
            // Connect events name the connected account they are about (`account`); one that is not ours changes nothing.
            String applied = connect.applyStripeEvent(tx, event.type(), event.livemode(), event.objectJson(), StripeEvents.account(stored.payload()));
            LOG.info("Stripe event {} ({}): {}", event.providerEventId(), event.type(), applied);
            events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
            return true;
        }
        if (REFUND_EVENTS.contains(event.type()) && event.objectType().equals("refund")) {
            return applyRefunds(tx, stored, event, List.of(StripeEvents.refund(event.objectJson())), now);
        }
        if (DISPUTE_EVENTS.contains(event.type()) && event.objectType().equals("dispute")) {
            return applyDispute(tx, stored, event, now);
        }
        if (event.type().equals(CHARGE_REFUNDED) && event.objectType().equals("charge")) {
            return applyRefunds(tx, stored, event, StripeEvents.refundsOfCharge(event.objectJson()), now);
        }
        if (!PAYMENT_INTENT_EVENTS.contains(event.type()) || !event.objectType().equals("payment_intent")) {
            // Stored and acknowledged: nothing of ours to change.
            events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
            return true;
        }
        Optional<Payment> payment = paymentRows.findForUpdateFromGateway(tx, StripePayments.NAME, event.livemode(), event.payflowPaymentId(),
                event.objectId());
        if (payment.isEmpty()) {
            events.recordAttempt(tx, stored.id(), Optional.empty(), Optional.of("no payment recorded yet for " + event.objectId()));
            return false;
        }
        if (payment.get().providerPaymentId().filter(id -> !id.equals(event.objectId())).isPresent()) {
            // Our metadata on someone else's PaymentIntent: never let it move our payment.
            events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.of("payment " + payment.get().id() + " is "
                    + payment.get().providerPaymentId().get() + ", not " + event.objectId()));
            return true;
        }
        payments.observe(tx, payment.get(), StripeEvents.paymentIntent(event.objectJson()), Payment.Cause.WEBHOOK, stored.id());
        events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
        return true;
    }

    /** A dispute event, applied to its captured payment (found by the dispute's PaymentIntent, or its charge); waits while there is none. */
    private boolean applyDispute(DSLContext tx, GatewayEvent stored, StripeEvents.Event event, Instant now) {
        StripeEvents.DisputeObject dispute = StripeEvents.dispute(event.objectJson());
        Optional<String> paymentIntent = dispute.paymentIntentId()
                .or(() -> dispute.chargeId().flatMap(charge -> paymentRows.findProviderPaymentIdByCharge(tx, StripePayments.NAME, event.livemode(),
                        charge)));
        Optional<Payment> payment = paymentIntent.flatMap(id -> paymentRows.findForUpdateFromGateway(tx, StripePayments.NAME, event.livemode(),
                Optional.empty(), id));
        if (payment.isEmpty() || !payment.get().status().isCaptured()) {
            events.recordAttempt(tx, stored.id(), Optional.empty(), Optional.of("no captured payment recorded yet for dispute " + dispute.id()));
            return false;
        }
        paymentRows.recordGatewayObject(tx, payment.get(), payment.get().provider(), dispute.id(), "dispute", dispute.status(), dispute.objectJson(),
                now);
        payments.disputes().observe(tx, payment.get(), event.type(), dispute);
        events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
        return true;
    }

    /** Applies each refund an event carries; the event waits (false) while any of them names a payment or refund not recorded yet. */
    private boolean applyRefunds(DSLContext tx, GatewayEvent stored, StripeEvents.Event event, List<StripeEvents.RefundObject> carried,
            Instant now) {
        List<String> waiting = new java.util.ArrayList<>();
        for (StripeEvents.RefundObject refund : carried) {
            applyRefund(tx, stored, event.livemode(), refund, now).ifPresent(waiting::add);
        }
        if (!waiting.isEmpty()) {
            events.recordAttempt(tx, stored.id(), Optional.empty(), Optional.of(String.join("; ", waiting)));
            return false;
        }
        events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
        return true;
    }

    /**
     * One refund: ours (found by the {@code payflow_refund_id} of its metadata or by Stripe's id)
     * follows Stripe's status; one PayFlow did not ask for (made in Stripe's dashboard) is booked
     * once per Stripe refund id. Returns why it must wait, if it must.
     */
    private Optional<String> applyRefund(DSLContext tx, GatewayEvent stored, boolean livemode, StripeEvents.RefundObject carried, Instant now) {
        if (carried.payflowRefundId().isPresent()) {
            Optional<Refund> refund = refunds.findAnyScope(tx, livemode, carried.payflowRefundId().get());
            if (refund.isEmpty()) {
                return Optional.of("no refund recorded yet for " + carried.id());
            }
            // The payment's row lock first, as every change of a payment and its refunds takes it.
            Payment payment = paymentRows.findForUpdate(tx, refund.get().scope(), refund.get().paymentId()).orElseThrow();
            paymentRows.recordGatewayObject(tx, payment, payment.provider(), carried.id(), "refund", carried.status(), carried.objectJson(), now);
            payments.observeRefund(tx, payment, refund.get(), carried.id(), carried.status(), Payment.Cause.WEBHOOK, stored.id());
            return Optional.empty();
        }
        Optional<Payment> payment = paymentRows.findForUpdateFromGateway(tx, StripePayments.NAME, livemode, Optional.empty(),
                carried.paymentIntentId());
        if (payment.isEmpty() || !payment.get().status().isCaptured()) {
            // Stripe refunded a charge we have not booked yet (its success is on its way): wait for it.
            return Optional.of("no captured payment recorded yet for refund " + carried.id() + " of " + carried.paymentIntentId());
        }
        payments.observeProviderRefund(tx, payment.get(), carried.id(), carried.amountMinor(), carried.status(), carried.reason(),
                carried.objectJson(), Payment.Cause.WEBHOOK, stored.id());
        return Optional.empty();
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw PayflowException.of(ErrorReason.MALFORMED_REQUEST, "the signed body is not UTF-8");
        }
    }

    /** The webhook secrets of both modes, for the signature check. */
    public static StripeSignatures signatures(List<String> testSecrets, List<String> liveSecrets) {
        return new StripeSignatures(java.util.stream.Stream.concat(
                testSecrets.stream().map(secret -> new StripeSignatures.Secret(secret, false)),
                liveSecrets.stream().map(secret -> new StripeSignatures.Secret(secret, true))).toList());
    }

    /** Payout events (payout.*, transfer.reversed) go to the payouts from now on; set once, at start-up, before any event arrives. */
    private volatile WebhookSignatureFailures signatureFailures = WebhookSignatureFailures.NONE;

    /** Counts the webhooks refused for their signature ({@code payflow_webhook_signature_failures_total{provider="stripe"}}). */
    public StripeWebhooks countingSignatureFailures(WebhookSignatureFailures failures) {
        this.signatureFailures = java.util.Objects.requireNonNull(failures, "failures");
        return this;
    }

    public StripeWebhooks withPayouts(StripePayoutEvents payouts) {
        this.payoutEvents = Objects.requireNonNull(payouts, "payouts");
        return this;
    }
}
