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
