package dev.payflow.core.app;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.domain.Payout;
import dev.payflow.core.gateway.PayoutProvider;
import dev.payflow.core.gateway.StripePayments;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * Stripe's payout events, applied in the intake's transaction (the one that marks the event
 * processed): {@code payout.paid}, {@code payout.failed}, {@code payout.canceled} and {@code
 * payout.updated} (a Connect event: the payout is the connected account's, named by the event's
 * {@code account}) move the payout's status through {@link Payouts#observe}; {@code
 * transfer.reversed} starts giving the money back. Matched by our id in the object's metadata
 * ({@code payflow_payout_id}) or the gateway's id, and by the account: an object that is not ours
 * changes nothing. Nothing here calls Stripe: what must happen there next (reversing the transfer)
 * is the payout worker's, scheduled by the change.
 */
public final class StripePayoutEvents {
    public static final Set<String> TYPES = Set.of("payout.paid", "payout.failed", "payout.canceled", "payout.updated", "transfer.reversed");

    private final Payouts payouts;

    public StripePayoutEvents(Payouts payouts) {
        this.payouts = Objects.requireNonNull(payouts, "payouts");
    }

    public static boolean handles(String type) {
        return TYPES.contains(type);
    }

    /** Applies one event; returns what it did, for the event's record. */
    public String apply(DSLContext tx, String type, boolean livemode, String objectJson, Optional<String> eventAccount, String causeId) {
        JsonObject object = JsonParser.parseString(objectJson).getAsJsonObject();
        String objectId = text(object, "id").orElse("");
        Optional<String> payoutId = metadata(object, Payouts.METADATA_PAYOUT_ID);
        if (type.equals("transfer.reversed")) {
            // A transfer is the platform's own object: matched by our id and the destination account.
            Optional<Payout> payout = payouts.lockFromGateway(tx, StripePayments.NAME, livemode, text(object, "destination"), payoutId,
                    Optional.empty(), Optional.of(objectId));
            if (payout.isEmpty()) {
                return "transfer " + objectId + " is not one of ours";
            }
            String reversalId = firstReversal(object).orElse(objectId + ":reversed");
            payouts.observeTransferReversed(tx, payout.get(), reversalId, causeId);
            return "payout " + payout.get().id() + ": transfer reversed (" + reversalId + ")";
        }
        if (eventAccount.isEmpty()) {
            return "payout " + objectId + " of the platform's own balance: not a PayFlow payout";
        }
        Optional<Payout> payout = payouts.lockFromGateway(tx, StripePayments.NAME, livemode, eventAccount, payoutId, Optional.of(objectId),
                Optional.empty());
        if (payout.isEmpty()) {
            return "payout " + objectId + " on " + eventAccount.get() + " is not one of ours";
        }
        if (payout.get().providerPayoutId().filter(id -> !id.equals(objectId)).isPresent()) {
            return "payout " + payout.get().id() + " is " + payout.get().providerPayoutId().get() + ", not " + objectId + ": ignored";
        }
        PayoutProvider.BankPayout seen = new PayoutProvider.BankPayout(objectId, text(object, "status").orElse("pending"),
                number(object, "arrival_date").map(Instant::ofEpochSecond), text(object, "failure_code"), text(object, "failure_message"),
                objectJson);
        payouts.observe(tx, payout.get(), seen, Payout.Cause.WEBHOOK, causeId);
        return "payout " + payout.get().id() + ": " + seen.status() + " at Stripe";
    }

    private static Optional<String> firstReversal(JsonObject transfer) {
        JsonElement reversals = transfer.get("reversals");
        if (reversals == null || !reversals.isJsonObject() || !reversals.getAsJsonObject().has("data")
                || !reversals.getAsJsonObject().get("data").isJsonArray() || reversals.getAsJsonObject().getAsJsonArray("data").isEmpty()) {
            return Optional.empty();
        }
        JsonElement first = reversals.getAsJsonObject().getAsJsonArray("data").get(0);
        return first.isJsonObject() ? text(first.getAsJsonObject(), "id") : Optional.empty();
    }

    private static Optional<String> metadata(JsonObject object, String key) {
        JsonElement metadata = object.get("metadata");
        return metadata != null && metadata.isJsonObject() ? text(metadata.getAsJsonObject(), key) : Optional.empty();
    }

    private static Optional<String> text(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value == null || !value.isJsonPrimitive() || value.getAsString().isEmpty() ? Optional.empty() : Optional.of(value.getAsString());
    }

    private static Optional<Long> number(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber() ? Optional.empty()
                : Optional.of(value.getAsLong());
    }
}
