package dev.payflow.core.gateway;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.stripe.model.PaymentIntent;
import com.stripe.net.ApiResource;
import java.util.Optional;

/** Stripe's event JSON, read with stripe-java's own model, into what PayFlow applies. */
public final class StripeEvents {
    private StripeEvents() {
    }

    /**
     * What PayFlow needs of an event: its ids, type and mode, and the object it carries.
     *
     * @param payflowPaymentId the {@code payflow_payment_id} of the object's metadata, when it is a payment of ours
     */
    public record Event(String providerEventId, String type, boolean livemode, String objectType, String objectId,
            Optional<String> payflowPaymentId, Optional<String> payflowRefundId, String objectStatus, String objectJson) {
    }

    /** Parses a verified event body; empty if it is not a Stripe event. */
    public static Optional<Event> parse(String json) {
        try {
            JsonObject event = JsonParser.parseString(json).getAsJsonObject();
            JsonObject object = event.getAsJsonObject("data").getAsJsonObject("object");
            Optional<String> paymentId = metadata(object, "payflow_payment_id");
            Optional<String> refundId = metadata(object, "payflow_refund_id");
            String status = object.has("status") && object.get("status").isJsonPrimitive() ? object.get("status").getAsString() : "";
            return Optional.of(new Event(event.get("id").getAsString(), event.get("type").getAsString(),
                    event.has("livemode") && event.get("livemode").getAsBoolean(), object.get("object").getAsString(),
                    object.get("id").getAsString(), paymentId, refundId, status, object.toString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException | ClassCastException e) {
            return Optional.empty();
        }
    }

    /** The connected account a Connect event is about (its top-level {@code account}), if it names one. */
    public static Optional<String> account(String eventJson) {
        try {
            com.google.gson.JsonElement account = JsonParser.parseString(eventJson).getAsJsonObject().get("account");
            return account != null && account.isJsonPrimitive() ? Optional.of(account.getAsString()) : Optional.empty();
        } catch (JsonParseException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    /**
     * A Stripe Refund, as an event carries it (its own object, or one of a charge's
     * {@code refunds.data}).
     *
     * @param payflowRefundId the {@code payflow_refund_id} of its metadata: empty for a refund PayFlow did not ask for
     */
    public record RefundObject(String id, String status, long amountMinor, String paymentIntentId, Optional<String> payflowRefundId,
            Optional<String> reason, String objectJson) {
    }

    /** The refund an event's object is. */
    public static RefundObject refund(String objectJson) {
        return refund(JsonParser.parseString(objectJson).getAsJsonObject());
    }

    /**
     * The refunds a charge lists ({@code refunds.data}); empty when the charge does not list them
     * (API versions since 2022-11-15 leave them out: the refund events carry them).
     */
    public static java.util.List<RefundObject> refundsOfCharge(String chargeJson) {
        JsonObject charge = JsonParser.parseString(chargeJson).getAsJsonObject();
        if (!charge.has("refunds") || !charge.get("refunds").isJsonObject() || !charge.getAsJsonObject("refunds").has("data")) {
            return java.util.List.of();
        }
        java.util.List<RefundObject> refunds = new java.util.ArrayList<>();
        for (var element : charge.getAsJsonObject("refunds").getAsJsonArray("data")) {
            JsonObject refund = element.getAsJsonObject();
            if (!refund.has("payment_intent") || refund.get("payment_intent").isJsonNull()) {
                refund.addProperty("payment_intent", text(charge, "payment_intent").orElse(""));
            }
            refunds.add(refund(refund));
        }
        return refunds;
    }

    private static RefundObject refund(JsonObject refund) {
        return new RefundObject(refund.get("id").getAsString(), text(refund, "status").orElse("pending"), refund.get("amount").getAsLong(),
                text(refund, "payment_intent").orElse(""), metadata(refund, "payflow_refund_id"), text(refund, "reason"), refund.toString());
    }

    /**
     * A Stripe Dispute, as its events carry it.
     *
     * @param withdrawalFeeMinor Stripe's dispute fee: the {@code fee} of its balance transactions that take money (amount below zero)
     */
    public record DisputeObject(String id, long amountMinor, String currency, String status, String reason, Optional<String> paymentIntentId,
            Optional<String> chargeId, long withdrawalFeeMinor, String objectJson) {
    }

    public static DisputeObject dispute(String objectJson) {
        JsonObject dispute = JsonParser.parseString(objectJson).getAsJsonObject();
        long fee = 0;
        if (dispute.has("balance_transactions") && dispute.get("balance_transactions").isJsonArray()) {
            for (var element : dispute.getAsJsonArray("balance_transactions")) {
                JsonObject balance = element.getAsJsonObject();
                if (balance.has("amount") && balance.get("amount").getAsLong() < 0 && balance.has("fee")) {
                    fee += balance.get("fee").getAsLong();
                }
            }
        }
        return new DisputeObject(dispute.get("id").getAsString(), dispute.get("amount").getAsLong(),
                text(dispute, "currency").orElse("").toUpperCase(java.util.Locale.ROOT), text(dispute, "status").orElse("needs_response"),
                text(dispute, "reason").orElse("general"), text(dispute, "payment_intent"), text(dispute, "charge"), fee, objectJson);
    }

    private static Optional<String> text(JsonObject object, String key) {
        return Optional.ofNullable(object.get(key)).filter(value -> value.isJsonPrimitive()).map(value -> value.getAsString());
    }

    private static Optional<String> metadata(JsonObject object, String key) {
        return Optional.ofNullable(object.get("metadata")).filter(value -> value.isJsonObject()).map(value -> value.getAsJsonObject().get(key))
                .filter(value -> value.isJsonPrimitive()).map(value -> value.getAsString());
    }

    /** A PaymentIntent carried by an event, in our words. */
    public static PaymentProvider.ProviderPayment paymentIntent(String objectJson) {
        PaymentIntent intent = ApiResource.GSON.fromJson(objectJson, PaymentIntent.class);
        PaymentProvider.ProviderPayment seen = StripePayments.payment(intent);
        return new PaymentProvider.ProviderPayment(seen.providerPaymentId(), seen.status(), seen.nextAction(), seen.failureCode(),
                seen.failureMessage(), seen.objectType(), objectJson);
    }
}
