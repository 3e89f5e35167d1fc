package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.GatewayEvent;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Refund;
import dev.payflow.core.gateway.PayPalEvents;
import dev.payflow.core.gateway.PayPalPayments;
import dev.payflow.core.gateway.PaymentProvider;
import dev.payflow.core.gateway.PaymentProviders;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.GatewayEventRepository;
import dev.payflow.core.persistence.PaymentRepository;
import dev.payflow.core.persistence.RefundRepository;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PayPal's webhooks in. PayPal signs a delivery with a certificate of its own, and PayPal's API
 * says whether a delivery is genuine ({@link PayPalPayments#verifyWebhook}): asked with each
 * configured mode's webhook id, the mode PayPal confirms is the event's mode. A verified event is
 * stored once per PayPal event id under our own id ({@code gwe_...}) and applied once.
 *
 * <p>Applying never trusts the event's copy of the resource: the order is read back from PayPal
 * (the call recovery makes, which also captures or authorizes an approved order with the
 * payment's own PayPal-Request-Id) and what PayPal holds now is applied through
 * {@link Payments#observe}. So events in any order, late or repeated, end in PayPal's current
 * state, and a status a payment may no longer take changes nothing. That call is made outside any
 * database transaction: the event is looked at in one, PayPal is asked, and the answer is applied
 * in another under the event's and the payment's row locks.
 */
public final class PayPalWebhooks {
    private static final Logger LOG = LoggerFactory.getLogger(PayPalWebhooks.class);
    /** PayPal's events are a few KiB; a body 64 times the usual size is not an event. */
    public static final int EVENT_BYTES_MAX = 256 * 1024;
    /**
     * How far a delivery's PAYPAL-TRANSMISSION-TIME may be from our clock, either way: a captured
     * delivery cannot be replayed at us later than this, and five minutes covers clock skew and
     * PayPal's own queueing of a first attempt (a retry is a new transmission with a new time).
     */
    public static final Duration TRANSMISSION_TOLERANCE = Duration.ofMinutes(5);
    /** Waiting events retried per run: bounded, so one run makes a bounded number of calls. */
    static final int WAITING_BATCH_MAX = 100;
    /** The events about an order or its capture: the order is read back from PayPal and its state applied. */
    static final Set<String> ORDER_EVENTS = Set.of("CHECKOUT.ORDER.APPROVED", "CHECKOUT.ORDER.COMPLETED", "PAYMENT.CAPTURE.COMPLETED",
            "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED", "PAYMENT.CAPTURE.PENDING", "PAYMENT.AUTHORIZATION.CREATED",
            "PAYMENT.AUTHORIZATION.VOIDED");
    /** A capture refunded: the refund's {@code custom_id} names ours. */
    static final String CAPTURE_REFUNDED = "PAYMENT.CAPTURE.REFUNDED";

    /** One mode PayPal's deliveries may belong to: its webhook id and its PayPal client. */
    private record Mode(boolean livemode, String webhookId, PayPalPayments paypal) {
    }

    private final Database database;
    private final Services services;
    private final GatewayEventRepository events;
    private final PaymentRepository paymentRows;
    private final RefundRepository refunds = new RefundRepository();
    private final Payments payments;
    private final PaymentProviders providers;
    private final List<Mode> modes;
    private final WebhookSignatureFailures signatureFailures;

    /**
     * @param webhookIdTest the sandbox app's webhook id ({@code PAYFLOW_PAYPAL_WEBHOOK_ID_TEST}); a mode without
     *                      a webhook id or without PayPal takes no deliveries
     * @param signatureFailures where refused deliveries are counted, under provider {@code paypal}
     */
    public PayPalWebhooks(Database database, Services services, GatewayEventRepository events, PaymentRepository paymentRows, Payments payments,
            PaymentProviders providers, Optional<String> webhookIdTest, Optional<String> webhookIdLive, WebhookSignatureFailures signatureFailures) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.events = Objects.requireNonNull(events, "events");
        this.paymentRows = Objects.requireNonNull(paymentRows, "paymentRows");
        this.payments = Objects.requireNonNull(payments, "payments");
        this.providers = Objects.requireNonNull(providers, "providers");
        List<Mode> configured = new ArrayList<>();
        mode(false, webhookIdTest).ifPresent(configured::add);
        mode(true, webhookIdLive).ifPresent(configured::add);
        this.modes = List.copyOf(configured);
        this.signatureFailures = Objects.requireNonNull(signatureFailures, "signatureFailures");
    }

    private Optional<Mode> mode(boolean livemode, Optional<String> webhookId) {
        return webhookId.flatMap(id -> providers.named(livemode, PayPalPayments.NAME)
                .flatMap(provider -> provider.as(PayPalPayments.class)).map(paypal -> new Mode(livemode, id, paypal)));
    }

    /** Receives one delivery: verified by PayPal, stored once, applied once. Returns the stored event's id. */
    public String receive(byte[] body, dev.payflow.core.domain.PayPalTransmission transmission) {
        if (body.length > EVENT_BYTES_MAX) {
            throw PayflowException.of(ErrorReason.MALFORMED_REQUEST, "a PayPal event of %d bytes (expected: at most %d)", body.length,
                    EVENT_BYTES_MAX);
        }
        Optional<String> json = utf8(body);
        if (json.isEmpty()) {
            throw refused("the body is not UTF-8, so PayPal did not sign it", body.length);
        }
        boolean livemode = verifiedMode(json.get(), transmission, body.length);
        PayPalEvents.Event event = PayPalEvents.parse(json.get()).orElseThrow(() -> PayflowException.of(ErrorReason.MALFORMED_REQUEST,
                "the verified body is not a PayPal event"));
        String storedId = database.inTransaction(tx -> events.storeOnceAndLock(tx, services.ids().next(IdPrefix.GATEWAY_EVENT),
                PayPalPayments.NAME, event.providerEventId(), event.type(), livemode, json.get(), services.now()).id());
        apply(storedId, false);
        return storedId;
    }

    /** The mode whose webhook id PayPal confirms for this delivery; refused (INVALID_SIGNATURE) if none does. */
    private boolean verifiedMode(String json, dev.payflow.core.domain.PayPalTransmission transmission, int bodyBytes) {
        for (var header : List.of(java.util.Map.entry("PAYPAL-TRANSMISSION-ID", transmission.id()),
                java.util.Map.entry("PAYPAL-TRANSMISSION-TIME", transmission.time()),
                java.util.Map.entry("PAYPAL-TRANSMISSION-SIG", transmission.signature()),
                java.util.Map.entry("PAYPAL-CERT-URL", transmission.certUrl()), java.util.Map.entry("PAYPAL-AUTH-ALGO", transmission.authAlgo()))) {
            if (header.getValue().filter(value -> !value.isBlank()).isEmpty()) {
                throw refused("no " + header.getKey() + " header", bodyBytes);
            }
        }
        Instant sent;
        try {
            sent = OffsetDateTime.parse(transmission.time().get()).toInstant();
        } catch (DateTimeParseException e) {
            throw refused("PAYPAL-TRANSMISSION-TIME '" + transmission.time().get() + "' is not an RFC 3339 time", bodyBytes);
        }
        Instant now = services.now();
        if (Duration.between(sent, now).abs().compareTo(TRANSMISSION_TOLERANCE) > 0) {
            throw refused("PAYPAL-TRANSMISSION-TIME " + sent + " is more than " + TRANSMISSION_TOLERANCE.toSeconds() + " s from now (" + now + ")",
                    bodyBytes);
        }
        if (modes.isEmpty()) {
            throw refused("no PayPal webhook id is configured (PAYFLOW_PAYPAL_WEBHOOK_ID_TEST / _LIVE)", bodyBytes);
        }
        // A sandbox delivery names a sandbox certificate: ask the sandbox first then, and the live mode first otherwise.
        boolean sandboxFirst = transmission.certUrl().get().contains("sandbox");
        List<Mode> order = modes.stream().sorted(java.util.Comparator.comparing(mode -> mode.livemode() == sandboxFirst)).toList();
        List<String> why = new ArrayList<>();
        for (Mode mode : order) {
            PayPalPayments.Verification verification = mode.paypal().verifyWebhook(mode.webhookId(), transmission, json);
            if (verification.verdict() == PayPalPayments.Verdict.VERIFIED) {
                return mode.livemode();
            }
            why.add((mode.livemode() ? "live" : "sandbox") + ": " + verification.why());
        }
        throw refused(String.join("; ", why), bodyBytes);
    }

    /** Counted and logged without the body (an unverified body is not ours to keep); INVALID_SIGNATURE for PayPal, which retries. */
    private PayflowException refused(String why, int bodyBytes) {
        signatureFailures.count(PayPalPayments.NAME);
        LOG.warn("PayPal webhook refused: {} ({} bytes)", why, bodyBytes);
        return PayflowException.of(ErrorReason.INVALID_SIGNATURE, "PayPal webhook not verified: %s", why);
    }

    /** Applies a stored PayPal event again (an operator's replay): what it did before is not done twice. */
    public GatewayEvent replay(String idText) {
        String id = Ids.require(idText, IdPrefix.GATEWAY_EVENT, "id");
        GatewayEvent stored = events.find(database.reader(), id).filter(event -> event.gateway().equals(PayPalPayments.NAME))
                .orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_EVENT_NOT_FOUND, "gateway event %s not found", id));
        apply(stored.id(), true);
        return events.find(database.reader(), id).orElseThrow();
    }

    /** Whether a stored event is PayPal's (so its replay is ours). */
    public boolean owns(String id) {
        return events.find(database.reader(), id).filter(event -> event.gateway().equals(PayPalPayments.NAME)).isPresent();
    }

    /** Applies the PayPal events that still wait (their payment unknown, or PayPal unreachable then), a bounded batch. Returns how many now are applied. */
    public int applyWaiting() {
        List<String> waiting = database.inTransaction(tx -> events.lockWaiting(tx, PayPalPayments.NAME, WAITING_BATCH_MAX).stream()
                .map(GatewayEvent::id).toList());
        int applied = 0;
        for (String id : waiting) {
            if (apply(id, false)) {
                applied++;
            }
        }
        return applied;
    }

    /** What an order event needs from PayPal, found under the event's lock: the payment and the order to read back. */
    private record Pending(boolean processed, Optional<PartnerScope> scope, String paymentId, String orderId, boolean livemode) {
        static Pending done(boolean processed) {
            return new Pending(processed, Optional.empty(), "", "", false);
        }
    }

    /**
     * Applies one stored event; {@code again}: also if it was applied before (a replay). Returns
     * whether it is now processed (false: it still waits for its payment, or for PayPal).
     */
    private boolean apply(String id, boolean again) {
        Pending pending = database.inTransaction(tx -> {
            GatewayEvent stored = events.findForUpdate(tx, id).orElseThrow();
            if (stored.processedAt().isPresent() && !again) {
                return Pending.done(true);
            }
            PayPalEvents.Event event = PayPalEvents.parse(stored.payload()).orElseThrow();
            Instant now = services.now();
            if (event.type().equals(CAPTURE_REFUNDED)) {
                return Pending.done(applyRefund(tx, stored, event, now));
            }
            if (!ORDER_EVENTS.contains(event.type())) {
                // Stored and acknowledged: nothing of ours to change.
                events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
                return Pending.done(true);
            }
            if (event.orderId().isEmpty()) {
                events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.of("the event names no order; nothing applied"));
                return Pending.done(true);
            }
            String orderId = event.orderId().get();
            Optional<Payment> payment = paymentRows.findForUpdateFromGateway(tx, PayPalPayments.NAME, stored.livemode(),
                    event.customId().filter(custom -> custom.startsWith(IdPrefix.PAYMENT.prefix())), orderId);
            if (payment.isEmpty()) {
                events.recordAttempt(tx, stored.id(), Optional.empty(), Optional.of("no payment recorded yet for order " + orderId));
                return Pending.done(false);
            }
            if (payment.get().providerPaymentId().filter(known -> !known.equals(orderId)).isPresent()) {
                // Our id on someone else's order: never let it move our payment.
                events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.of("payment " + payment.get().id() + " is order "
                        + payment.get().providerPaymentId().get() + ", not " + orderId));
                return Pending.done(true);
            }
            return new Pending(false, Optional.of(payment.get().scope()), payment.get().id(), orderId, stored.livemode());
        });
        if (pending.scope().isEmpty()) {
            return pending.processed();
        }
        Optional<PaymentProvider> paypal = providers.named(pending.livemode(), PayPalPayments.NAME);
        PaymentProvider.CallOutcome outcome = paypal.isPresent() ? paypal.get().retrievePayment(pending.orderId())
                : new PaymentProvider.CallOutcome.Unknown("PayPal is not configured in this mode any more");
        PartnerScope scope = pending.scope().get();
        boolean processed = database.inTransaction(tx -> {
            GatewayEvent stored = events.findForUpdate(tx, id).orElseThrow();
            if (stored.processedAt().isPresent() && !again) {
                return true;
            }
            Payment payment = paymentRows.findForUpdate(tx, scope, pending.paymentId()).orElseThrow();
            Instant now = services.now();
            if (outcome instanceof PaymentProvider.CallOutcome.Answered answered) {
                payments.observe(tx, payment, answered.payment(), Payment.Cause.WEBHOOK, stored.id());
            } else if (outcome instanceof PaymentProvider.CallOutcome.Refused refused && refused.providerPaymentId().isPresent()) {
                // PayPal refused to capture or authorize the approved order (a declined instrument): the payment fails.
                payments.observe(tx, payment, new PaymentProvider.ProviderPayment(refused.providerPaymentId().get(),
                        dev.payflow.core.domain.PaymentStatus.FAILED, Optional.empty(), Optional.of(refused.code()), Optional.of(refused.message()),
                        "error", refused.errorJson()), Payment.Cause.WEBHOOK, stored.id());
            } else {
                String why = outcome instanceof PaymentProvider.CallOutcome.Refused refused ? "PayPal refused to show order " + pending.orderId()
                        + ": " + refused.message() : "PayPal did not answer about order " + pending.orderId() + ": "
                        + ((PaymentProvider.CallOutcome.Unknown) outcome).why();
                events.recordAttempt(tx, stored.id(), Optional.empty(), Optional.of(why));
                return false;
            }
            events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
            return true;
        });
        if (processed) {
            paymentRows.find(database.reader(), scope, pending.paymentId()).filter(p -> p.status().isCaptured()).ifPresent(captured -> {
                try {
                    payments.settleFee(captured);
                } catch (RuntimeException e) {
                    LOG.warn("the fee of {} is left to the fee sweep", captured.id(), e);
                }
            });
        }
        return processed;
    }

    /**
     * A refund of ours (its {@code custom_id} is our {@code ref_...}) follows PayPal's status; it
     * waits while we have not recorded it. A refund PayFlow did not make (in PayPal's dashboard) is
     * stored and acknowledged, not booked.
     */
    private boolean applyRefund(DSLContext tx, GatewayEvent stored, PayPalEvents.Event event, Instant now) {
        Optional<String> refundId = event.customId().filter(custom -> custom.startsWith(IdPrefix.REFUND.prefix()));
        if (refundId.isEmpty()) {
            events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.of("refund " + event.resourceId()
                    + " was not made by PayFlow; refunds made at PayPal are not applied"));
            return true;
        }
        Optional<Refund> refund = refunds.findAnyScope(tx, stored.livemode(), refundId.get());
        if (refund.isEmpty()) {
            events.recordAttempt(tx, stored.id(), Optional.empty(), Optional.of("no refund recorded yet for " + refundId.get()));
            return false;
        }
        // The payment's row lock first, as every change of a payment and its refunds takes it.
        Payment payment = paymentRows.findForUpdate(tx, refund.get().scope(), refund.get().paymentId()).orElseThrow();
        String status = switch (event.status()) {
            case "COMPLETED" -> "succeeded";
            case "FAILED", "CANCELLED" -> "failed";
            default -> "pending";
        };
        paymentRows.recordGatewayObject(tx, payment, payment.provider(), event.resourceId(), "refund", status, event.resourceJson(), now);
        payments.observeRefund(tx, payment, refund.get(), event.resourceId(), status, Payment.Cause.WEBHOOK, stored.id());
        events.recordAttempt(tx, stored.id(), Optional.of(now), Optional.empty());
        return true;
    }

    private static Optional<String> utf8(byte[] body) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
