package dev.payflow.core.webhook;

import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.ledger.Booking;
import dev.payflow.core.ledger.BookingObserver;
import dev.payflow.core.ledger.BookingObserver.Booked;
import dev.payflow.core.ledger.Movement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jooq.DSLContext;

/**
 * The ledger's events, written by the engine's in-transaction hook for every booking, whoever
 * asked for it (a partner's call, the hold-expiry worker, a gateway's confirmation later). A
 * replayed request books nothing new, so it writes no second event.
 *
 * <p>Per transaction: {@code wallet.funds_added} (a credit a gateway confirmed) before
 * {@code wallet.credited} for the wallet it credits, {@code wallet.debited} for the wallet it
 * debits, {@code transaction.completed}, and {@code transfer.completed} for a transfer. Per hold:
 * {@code hold.created}, {@code hold.captured}, {@code hold.voided} or {@code hold.expired}; a
 * capture also books its transaction.
 */
public final class LedgerEvents implements BookingObserver {
    private final PartnerEvents events;
    private final LedgerEventData data;

    public LedgerEvents(PartnerEvents events, LedgerEventData data) {
        this.events = Objects.requireNonNull(events, "events");
        this.data = Objects.requireNonNull(data, "data");
    }

    @Override
    public void booked(DSLContext tx, PartnerScope scope, Movement movement, Booking booking, Map<String, Wallet> walletsBefore) {
        events.recordAll(tx, scope, drafts(booking, walletsBefore));
    }

    /** Every booking's events in one statement, in the bookings' order. */
    @Override
    public void bookedAll(DSLContext tx, List<Booked> bookings) {
        List<PartnerEvents.ScopedDraft> drafts = new ArrayList<>();
        for (Booked b : bookings) {
            drafts(b.booking(), b.walletsBefore()).forEach(draft -> drafts.add(new PartnerEvents.ScopedDraft(b.scope(), draft)));
        }
        events.recordEach(tx, drafts);
    }

    private List<PartnerEvents.Draft> drafts(Booking booking, Map<String, Wallet> walletsBefore) {
        List<PartnerEvents.Draft> drafts = new ArrayList<>();
        booking.transaction().ifPresent(t -> drafts.addAll(transactionEvents(t, walletsBefore)));
        booking.hold().ifPresent(h -> drafts.add(new PartnerEvents.Draft(holdType(h), data.hold(h))));
        return drafts;
    }

    private List<PartnerEvents.Draft> transactionEvents(LedgerTransaction t, Map<String, Wallet> walletsBefore) {
        List<PartnerEvents.Draft> drafts = new ArrayList<>();
        // One mapping and printing of the transaction, shared by the data of all its events.
        LedgerEventData.TransactionEvents eventData = data.of(t);
        for (LedgerTransaction.WalletEntry entry : t.walletEntries()) {
            Wallet wallet = walletsBefore.get(entry.walletId());
            if (wallet == null) {
                throw new IllegalStateException("transaction " + t.id() + " has an entry on wallet " + entry.walletId() + ", which it did not lock");
            }
            String walletData = eventData.wallet(wallet, entry);
            if (entry.amountMinor() > 0) {
                if (t.type() == TransactionType.CREDIT && !t.gateway().isEmpty()) {
                    drafts.add(new PartnerEvents.Draft(EventTypes.WALLET_FUNDS_ADDED, walletData));
                }
                drafts.add(new PartnerEvents.Draft(EventTypes.WALLET_CREDITED, walletData));
            } else {
                drafts.add(new PartnerEvents.Draft(EventTypes.WALLET_DEBITED, walletData));
            }
        }
        if (t.status() == TransactionStatus.COMPLETED || t.status() == TransactionStatus.FAILED) {
            // Empty when the transaction moves money between the partner's system accounts only
            // (a payment's proceeds to its settlement account, a fee): no wallet changed.
            String walletId = t.toWalletId().filter(id -> t.type() == TransactionType.CREDIT).or(t::fromWalletId).or(t::toWalletId)
                    .orElse("");
            drafts.add(new PartnerEvents.Draft(t.status() == TransactionStatus.COMPLETED ? EventTypes.TRANSACTION_COMPLETED
                    : EventTypes.TRANSACTION_FAILED, eventData.transaction(walletId)));
        }
        if (t.type() == TransactionType.TRANSFER && t.status() == TransactionStatus.COMPLETED) {
            drafts.add(new PartnerEvents.Draft(EventTypes.TRANSFER_COMPLETED, eventData.transfer()));
        }
        return drafts;
    }

    private static String holdType(Hold hold) {
        return switch (hold.status()) {
            case PENDING -> EventTypes.HOLD_CREATED;
            case CAPTURED -> EventTypes.HOLD_CAPTURED;
            case VOIDED -> EventTypes.HOLD_VOIDED;
            case EXPIRED -> EventTypes.HOLD_EXPIRED;
        };
    }
}
