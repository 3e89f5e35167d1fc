package dev.payflow.core.webhook;

import java.util.List;
import java.util.Set;

/**
 * The event types a partner can receive and subscribe to. All of the contract's types are listed,
 * also those whose features have not landed yet (payments, payouts, Connect), so an endpoint can
 * subscribe to them ahead; {@link #EMITTED} are those PayFlow sends today.
 */
public final class EventTypes {
    public static final String WALLET_FUNDS_ADDED = "wallet.funds_added";
    public static final String WALLET_CREDITED = "wallet.credited";
    public static final String WALLET_DEBITED = "wallet.debited";
    public static final String TRANSACTION_COMPLETED = "transaction.completed";
    public static final String TRANSACTION_FAILED = "transaction.failed";
    public static final String TRANSFER_COMPLETED = "transfer.completed";
    public static final String HOLD_CREATED = "hold.created";
    public static final String HOLD_CAPTURED = "hold.captured";
    public static final String HOLD_VOIDED = "hold.voided";
    public static final String HOLD_EXPIRED = "hold.expired";
    public static final String PAYMENT_SUCCEEDED = "payment.succeeded";
    public static final String PAYMENT_FAILED = "payment.failed";
    public static final String PAYMENT_REFUNDED = "payment.refunded";
    public static final String REFUND_FAILED = "refund.failed";
    public static final String DISPUTE_CREATED = "dispute.created";
    public static final String DISPUTE_FUNDS_WITHDRAWN = "dispute.funds_withdrawn";
    public static final String DISPUTE_CLOSED = "dispute.closed";
    public static final String CONNECT_ACCOUNT_CONNECTED = "connect.account.connected";
    public static final String CONNECT_ACCOUNT_UPDATED = "connect.account.updated";
    public static final String CONNECT_PAYMENT_ROUTED = "connect.payment.routed";

    /** Every type of the contract, in the order of the issue that named them. */
    public static final List<String> ALL = List.of(WALLET_FUNDS_ADDED, WALLET_CREDITED, WALLET_DEBITED, TRANSACTION_COMPLETED,
            TRANSACTION_FAILED, TRANSFER_COMPLETED, HOLD_CREATED, HOLD_CAPTURED, HOLD_VOIDED, HOLD_EXPIRED, PAYMENT_SUCCEEDED,
            PAYMENT_FAILED, PAYMENT_REFUNDED, REFUND_FAILED, DISPUTE_CREATED, DISPUTE_FUNDS_WITHDRAWN, DISPUTE_CLOSED,
            "payout.processed", "payout.failed", "payout.cancelled", CONNECT_ACCOUNT_CONNECTED, CONNECT_ACCOUNT_UPDATED,
            CONNECT_PAYMENT_ROUTED);

    /** {@link #ALL} for the check every recorded event makes. */
    private static final Set<String> KNOWN = Set.copyOf(ALL);

    /**
     * What PayFlow emits today: the ledger's events and the payments'. {@code transaction.failed} is not among them: a refused movement
     * records no transaction (only its key's error), so there is nothing failed to announce until a
     * gateway can fail a pending one.
     */
    public static final Set<String> EMITTED = Set.of(WALLET_FUNDS_ADDED, WALLET_CREDITED, WALLET_DEBITED, TRANSACTION_COMPLETED,
            TRANSFER_COMPLETED, HOLD_CREATED, HOLD_CAPTURED, HOLD_VOIDED, HOLD_EXPIRED, PAYMENT_SUCCEEDED, PAYMENT_FAILED, PAYMENT_REFUNDED,
            REFUND_FAILED, DISPUTE_CREATED, DISPUTE_FUNDS_WITHDRAWN, DISPUTE_CLOSED, CONNECT_ACCOUNT_CONNECTED, CONNECT_ACCOUNT_UPDATED,
            CONNECT_PAYMENT_ROUTED, PayoutEvents.PROCESSED, PayoutEvents.FAILED, PayoutEvents.CANCELLED);

    private EventTypes() {
    }

    public static boolean isKnown(String type) {
        return KNOWN.contains(type);
    }
}
