package dev.payflow.core.webhook;

import dev.payflow.core.domain.ConnectedAccount;
import org.jooq.DSLContext;

/**
 * The partner events of connected accounts, recorded through {@link PartnerEvents} inside the
 * transaction that changes the account, so an event exists exactly when its change committed:
 * {@code connect.account.connected} once, when the gateway has the account (created by PayFlow,
 * or connected by OAuth), and {@code connect.account.updated} each time what the gateway says of
 * it (status, capabilities, requirements) changes, or it is disconnected.
 */
public final class ConnectEvents {
    /** Records nothing: for use cases built without an outbox (tests of other parts). */
    public static final ConnectEvents NONE = new ConnectEvents(null, null);

    private final PartnerEvents events;
    private final ConnectEventPayloads payloads;

    public ConnectEvents(PartnerEvents events, ConnectEventPayloads payloads) {
        this.events = events;
        this.payloads = payloads;
    }

    public void connected(DSLContext tx, ConnectedAccount account) {
        record(tx, EventTypes.CONNECT_ACCOUNT_CONNECTED, account);
    }

    /** Announces the change unless nothing a partner sees of the account changed. */
    public void changed(DSLContext tx, ConnectedAccount before, ConnectedAccount after) {
        if (before.gateway().equals(after.gateway()) && before.status() == after.status()
                && before.disconnectedAt().equals(after.disconnectedAt())) {
            return;
        }
        record(tx, EventTypes.CONNECT_ACCOUNT_UPDATED, after);
    }

    /**
     * {@code connect.payment.routed}: a routed payment's money was captured, in the transaction
     * that booked it. Its data names the payment, the connected account, the amount and the
     * platform's fee (decimal strings in the payment's currency).
     */
    public void paymentRouted(DSLContext tx, dev.payflow.core.domain.PartnerScope scope, dev.payflow.core.domain.PaymentRoute route,
            dev.payflow.core.domain.Money amount, String transactionId) {
        if (events == null) {
            return;
        }
        com.google.gson.JsonObject data = new com.google.gson.JsonObject();
        data.addProperty("paymentId", route.paymentId());
        data.addProperty("connectedAccountId", route.connectedAccountId());
        data.addProperty("amount", amount.format());
        data.addProperty("platformFee", route.platformFee().format());
        data.addProperty("currency", amount.currency().code());
        data.addProperty("transactionId", transactionId);
        data.addProperty("livemode", scope.livemode());
        events.record(tx, scope, EventTypes.CONNECT_PAYMENT_ROUTED, data.toString());
    }

    private void record(DSLContext tx, String type, ConnectedAccount account) {
        if (events == null) {
            return;
        }
        events.record(tx, account.scope(), type, payloads.account(account));
    }
}
