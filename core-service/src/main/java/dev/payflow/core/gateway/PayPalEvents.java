package dev.payflow.core.gateway;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.Optional;

/** Reads PayPal's webhook events (verified first): the fields PayFlow acts on, nothing more. */
public final class PayPalEvents {
    private PayPalEvents() {
    }

    /**
     * One PayPal event.
     *
     * @param providerEventId PayPal's id ({@code WH-...}), the key it is stored once under
     * @param resourceId      the id of the order, capture or refund the event is about
     * @param customId        the resource's {@code custom_id} (ours: {@code pmt_...} on orders and captures, {@code ref_...} on refunds)
     * @param orderId         the order the resource belongs to (the resource itself for order events)
     * @param status          the resource's status, e.g. {@code COMPLETED}
     * @param resourceJson    the resource as JSON, kept beside the payment as the gateway's object
     */
    public record Event(String providerEventId, String type, String resourceType, String resourceId, Optional<String> customId,
            Optional<String> orderId, String status, String resourceJson) {
    }

    /** Parses a verified body; empty if it is not a PayPal event (no id, type or resource). */
    public static Optional<Event> parse(String json) {
        try {
            JsonObject event = JsonParser.parseString(json).getAsJsonObject();
            JsonObject resource = event.getAsJsonObject("resource");
            String type = event.get("event_type").getAsString();
            Optional<String> customId = text(resource, "custom_id");
            if (customId.isEmpty() && resource.has("purchase_units") && resource.getAsJsonArray("purchase_units").size() > 0) {
                customId = text(resource.getAsJsonArray("purchase_units").get(0).getAsJsonObject(), "custom_id");
            }
            Optional<String> orderId = type.startsWith("CHECKOUT.ORDER.") ? text(resource, "id") : Optional.empty();
            if (orderId.isEmpty() && resource.has("supplementary_data") && resource.getAsJsonObject("supplementary_data").has("related_ids")) {
                orderId = text(resource.getAsJsonObject("supplementary_data").getAsJsonObject("related_ids"), "order_id");
            }
            return Optional.of(new Event(event.get("id").getAsString(), type, text(event, "resource_type").orElse(""),
                    resource.get("id").getAsString(), customId, orderId, text(resource, "status").orElse(""), resource.toString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException | ClassCastException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value != null && value.isJsonPrimitive() && !value.getAsString().isEmpty() ? Optional.of(value.getAsString()) : Optional.empty();
    }
}
