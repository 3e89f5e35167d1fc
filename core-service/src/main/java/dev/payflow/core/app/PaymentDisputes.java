package dev.payflow.core.app;

import dev.payflow.core.domain.Dispute;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.gateway.StripeEvents;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.DisputeRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.webhook.EventTypes;
import dev.payflow.core.webhook.PaymentEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disputes of payments, applied from the gateway's events under the payment's row lock and in
 * the event's transaction. {@code created}, {@code updated} and {@code closed} change only the
 * dispute's status (an inquiry moves no money). {@code funds_withdrawn} books the disputed amount
 * (type {@code dispute}: the wallet first, down to its available balance, the shortfall from the
 * partner's settlement account, which may go negative) and the gateway's dispute fee (type
 * {@code fee}, from settlement); {@code funds_reinstated} books the withdrawn amount back (type
 * {@code dispute_reversal}) to where it came from. Each happens once per dispute whatever the
 * events' order: a reinstatement that arrives before its withdrawal books the withdrawal first.
 */
public final class PaymentDisputes {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentDisputes.class);
    static final String FUNDS_WITHDRAWN = "charge.dispute.funds_withdrawn";
    static final String FUNDS_REINSTATED = "charge.dispute.funds_reinstated";

    private final Services services;
    private final LedgerEngine ledger;
    private final WalletRepository wallets;
    private final DisputeRepository disputes = new DisputeRepository();
    private final PaymentEvents events;

    PaymentDisputes(Services services, LedgerEngine ledger, WalletRepository wallets, PaymentEvents events) {
        this.events = Objects.requireNonNull(events, "events");
        this.services = Objects.requireNonNull(services, "services");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.wallets = Objects.requireNonNull(wallets, "wallets");
    }

    /** Applies one dispute event to a captured payment whose row lock the caller holds. */
    public void observe(DSLContext tx, Payment payment, String eventType, StripeEvents.DisputeObject seen) {
        Instant now = services.now();
        if (!seen.currency().equals(payment.amount().currency().code())) {
            LOG.error("dispute {} of payment {} is in {}, the payment in {}; not applied", seen.id(), payment.id(), seen.currency(),
                    payment.amount().currency().code());
            return;
        }
        DisputeRepository.Claimed claimed = disputes.insertOnceAndLock(tx, new Dispute(seen.id(), payment.id(), payment.scope(),
                payment.provider(), seen.status(), seen.reason(), new Money(seen.amountMinor(), payment.amount().currency()), Optional.empty(),
                Optional.empty(), Optional.empty(), false, now, now));
        Dispute dispute = claimed.dispute();
        // What the partner is told, in this order: the first we heard of it, its funds taken, its end.
        List<String> announced = new ArrayList<>();
        if (claimed.created()) {
            announced.add(EventTypes.DISPUTE_CREATED);
        }
        boolean wasFinal = Dispute.FINAL_STATUSES.contains(dispute.status()) && !claimed.created();
        // An older event never takes a final status back.
        if (!dispute.status().equals(seen.status())
                && (!Dispute.FINAL_STATUSES.contains(dispute.status()) || Dispute.FINAL_STATUSES.contains(seen.status()))) {
            disputes.updateStatus(tx, dispute, seen.status(), now);
        }
        if (eventType.equals(FUNDS_WITHDRAWN) || eventType.equals(FUNDS_REINSTATED)) {
            boolean wasWithdrawn = dispute.withdrawn();
            dispute = withdraw(tx, payment, dispute, seen, now);
            if (!wasWithdrawn) {
                announced.add(EventTypes.DISPUTE_FUNDS_WITHDRAWN);
            }
        }
        if (eventType.equals(FUNDS_REINSTATED)) {
            reinstate(tx, payment, dispute, now);
        }
        if (!wasFinal && Dispute.FINAL_STATUSES.contains(seen.status())) {
            announced.add(EventTypes.DISPUTE_CLOSED);
        }
        if (!announced.isEmpty()) {
            events.disputeChanged(tx, announced, disputes.reload(tx, dispute), payment);
        }
    }

    /** A payment's disputes, oldest first. */
    public List<Dispute> of(DSLContext tx, Payment payment) {
        return disputes.listForPayment(tx, payment.scope(), payment.id());
    }

    private Dispute withdraw(DSLContext tx, Payment payment, Dispute dispute, StripeEvents.DisputeObject seen, Instant now) {
        if (dispute.withdrawn()) {
            return dispute;
        }
        long amount = dispute.amount().minorUnits();
        LedgerAccount clearing = clearing(payment);
        String description = "Dispute " + dispute.providerDisputeId() + " of " + payment.id();
        long fromWallet = 0;
        if (payment.walletId().isPresent()) {
            Optional<Wallet> wallet = wallets.findForUpdate(tx, payment.scope(), payment.walletId().get());
            long take = Math.min(amount, wallet.map(w -> Math.max(0, w.availableMinor())).orElse(0L));
            if (take > 0) {
                LedgerEngine.Outcome booked = ledger.bookWithin(tx, payment.scope(), movement(dispute, "wallet", TransactionType.DISPUTE, take,
                        new LedgerAccount.Wallet(payment.walletId().get()), clearing, description, payment));
                if (booked.booking().isPresent()) {
                    fromWallet = take;
                } else {
                    LOG.warn("dispute {}: wallet {} refused ({}); all of it is taken from settlement", dispute.providerDisputeId(),
                            payment.walletId().get(), booked.refusal().orElseThrow().reason());
                }
            }
        }
        long fromSettlement = amount - fromWallet;
        if (fromSettlement > 0) {
            ledger.bookWithin(tx, payment.scope(), movement(dispute, "settlement", TransactionType.DISPUTE, fromSettlement, settlement(), clearing,
                    description + " (what the wallet did not cover)", payment)).orThrow();
        }
        if (seen.withdrawalFeeMinor() > 0) {
            ledger.bookWithin(tx, payment.scope(), movement(dispute, "fee", TransactionType.FEE, seen.withdrawalFeeMinor(), settlement(), clearing,
                    payment.provider() + " dispute fee of " + dispute.providerDisputeId(), payment)).orThrow();
        }
        disputes.recordWithdrawal(tx, dispute, fromWallet, fromSettlement, seen.withdrawalFeeMinor(), now);
        LOG.info("dispute {} of payment {}: {} withdrawn from the wallet, {} from settlement, fee {}", dispute.providerDisputeId(), payment.id(),
                fromWallet, fromSettlement, seen.withdrawalFeeMinor());
        return new Dispute(dispute.providerDisputeId(), dispute.paymentId(), dispute.scope(), dispute.provider(), dispute.status(), dispute.reason(),
                dispute.amount(), Optional.of(fromWallet), Optional.of(fromSettlement), Optional.of(seen.withdrawalFeeMinor()), dispute.reinstated(),
                dispute.createdAt(), now);
    }

    /** The withdrawn amount back to where it came from; the wallet's part to settlement if the wallet can no longer take it. */
    private void reinstate(DSLContext tx, Payment payment, Dispute dispute, Instant now) {
        if (dispute.reinstated() || !dispute.withdrawn()) {
            return;
        }
        LedgerAccount clearing = clearing(payment);
        String description = "Dispute " + dispute.providerDisputeId() + " of " + payment.id() + " reinstated";
        long toWallet = dispute.withdrawnFromWalletMinor().orElseThrow();
        long toSettlement = dispute.withdrawnFromSettlementMinor().orElseThrow();
        if (toWallet > 0) {
            LedgerEngine.Outcome booked = ledger.bookWithin(tx, payment.scope(), movement(dispute, "reinstate-wallet",
                    TransactionType.DISPUTE_REVERSAL, toWallet, clearing, new LedgerAccount.Wallet(payment.walletId().orElseThrow()), description,
                    payment));
            if (booked.booking().isEmpty()) {
                LOG.warn("dispute {}: wallet {} refused the reinstated funds ({}); they go to settlement", dispute.providerDisputeId(),
                        payment.walletId().get(), booked.refusal().orElseThrow().reason());
                toSettlement += toWallet;
            }
        }
        if (toSettlement > 0) {
            ledger.bookWithin(tx, payment.scope(), movement(dispute, "reinstate-settlement", TransactionType.DISPUTE_REVERSAL, toSettlement,
                    clearing, settlement(), description, payment)).orThrow();
        }
        disputes.recordReinstated(tx, dispute, now);
    }

    private static Movement movement(Dispute dispute, String step, TransactionType type, long amountMinor, LedgerAccount from, LedgerAccount to,
            String description, Payment payment) {
        Instruction.Post post = new Instruction.Post(type, new Money(amountMinor, payment.amount().currency()), from, to, description, "{}",
                payment.provider(), transactionId -> Optional.of(dispute.providerDisputeId()));
        return Movement.of("PaymentDispute", IdempotencyKey.system("dispute", dispute.providerDisputeId(), step), post, payment.id(),
                dispute.providerDisputeId(), step, amountMinor);
    }

    private static LedgerAccount clearing(Payment payment) {
        return new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, payment.provider());
    }

    private static LedgerAccount settlement() {
        return LedgerAccount.System.of(SystemAccountKind.SETTLEMENT);
    }
}
