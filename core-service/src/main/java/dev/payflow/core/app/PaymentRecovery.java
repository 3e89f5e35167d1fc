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
        return leased.size();
    }

    /** Stripe makes a card's balance transaction with the charge; one that is missing is asked about again after this. */
    static final Duration FEE_ASKED_AGAIN_AFTER = Duration.ofMinutes(5);
}
