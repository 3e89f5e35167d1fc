package dev.payflow.core.app;

import dev.payflow.core.domain.Payment;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PaymentRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds payments left {@code pending} or {@code processing} past the recovery delay (the process
 * died after its call, or the webhook never came) and asks the provider for the truth. Several
 * replicas may run it: each run leases its payments with {@code FOR UPDATE SKIP LOCKED} and a
 * checked-at stamp, commits, and only then calls out, one payment at a time.
 */
public final class PaymentRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentRecovery.class);
    /** Payments asked about per run: each is one gateway call, so a run stays well under a minute. */
    static final int BATCH_MAX = 50;

    private final Database database;
    private final Services services;
    private final PaymentRepository payments;
    private final Payments useCase;
    private final Duration after;

    public PaymentRecovery(Database database, Services services, PaymentRepository payments, Payments useCase, Duration after) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.payments = Objects.requireNonNull(payments, "payments");
        this.useCase = Objects.requireNonNull(useCase, "useCase");
        this.after = Objects.requireNonNull(after, "after");
    }

    /** One run: leases what is due, then settles each with the provider. Returns how many it asked about. */
    public int recoverDue() {
        Instant now = services.now();
        List<Payment> leased = database.inTransaction(tx -> payments.leaseForRecovery(tx, now.minus(after), now, BATCH_MAX));
        for (Payment payment : leased) {
            try {
                useCase.recover(payment);
            } catch (RuntimeException e) {
                // The lease expires after the delay; the next run asks again.
                LOG.error("recovery of payment {} failed", payment.id(), e);
            }
        }
        // The fees not known yet (no balance transaction when the payment was captured, or no answer then).
        useCase.settleDueFees(FEE_ASKED_AGAIN_AFTER);
        countStuck();
        return leased.size();
    }

    /** The stuck payments counted by the last pass, by provider and status; read by the {@code payflow.payments.stuck} gauges. */
    private final java.util.concurrent.ConcurrentMap<PaymentRepository.StuckKey, java.util.concurrent.atomic.AtomicLong> stuck =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile io.micrometer.core.instrument.MeterRegistry meters;

    /** Keeps {@code payflow.payments.stuck} (a gauge by provider and status) up to date on every pass. */
    public PaymentRecovery countingStuckIn(io.micrometer.core.instrument.MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
        // At zero from the start for every configured provider, so the series exist before anything is stuck.
        for (String provider : useCase.providerNames()) {
            if (useCase.approvalWindowOf(provider).isPresent()) {
                gauge(new PaymentRepository.StuckKey(provider, "pending"));
                gauge(new PaymentRepository.StuckKey(provider, "processing"));
                if (PaymentRepository.WAITING_ASKED_ABOUT.contains(provider)) {
                    gauge(new PaymentRepository.StuckKey(provider, "requires_action"));
                }
            }
        }
        return this;
    }

    /**
     * Counts the payments this pass leaves stuck (see {@link PaymentRepository#countStuck}). Each
     * replica counts the same rows, so the gauges agree; a count that fails leaves the last one.
     */
    private void countStuck() {
        io.micrometer.core.instrument.MeterRegistry registry = meters;
        if (registry == null) {
            return;
        }
        Instant now = services.now();
        java.util.Map<String, Instant> waitingBefore = new java.util.HashMap<>();
        for (String provider : useCase.providerNames()) {
            useCase.approvalWindowOf(provider).ifPresent(window -> waitingBefore.put(provider, now.minus(window)));
        }
        java.util.Map<PaymentRepository.StuckKey, Long> counts;
        try {
            counts = database.inTransaction(tx -> payments.countStuck(tx, now.minus(after), waitingBefore));
        } catch (RuntimeException e) {
            LOG.warn("counting stuck payments failed; the gauges keep their last values", e);
            return;
        }
        for (java.util.Map.Entry<PaymentRepository.StuckKey, java.util.concurrent.atomic.AtomicLong> known : stuck.entrySet()) {
            known.getValue().set(counts.getOrDefault(known.getKey(), 0L));
        }
        counts.forEach((key, count) -> gauge(key).set(count));
    }

    /** Stripe makes a card's balance transaction with the charge; one that is missing is asked about again after this. */
    static final Duration FEE_ASKED_AGAIN_AFTER = Duration.ofMinutes(5);

    private java.util.concurrent.atomic.AtomicLong gauge(PaymentRepository.StuckKey key) {
        return stuck.computeIfAbsent(key, k -> {
            java.util.concurrent.atomic.AtomicLong value = new java.util.concurrent.atomic.AtomicLong();
            io.micrometer.core.instrument.Gauge.builder("payflow.payments.stuck", value, java.util.concurrent.atomic.AtomicLong::get)
                    .description("Payments stuck: pending or processing past the recovery delay, or a PayPal order waiting for its "
                            + "payer past its approval window, by provider and status")
                    .tag("provider", k.provider()).tag("status", k.status()).register(meters);
            return value;
        });
    }
}
