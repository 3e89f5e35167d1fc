package dev.payflow.core.gateway;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.domain.ConnectedAccount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Stripe Account's JSON (a call's answer, or an {@code account.updated} event's object) read into
 * the facts PayFlow derives an account's status from. Read from the JSON, not stripe-java's typed
 * model, so that a capability Stripe adds is shown without a library upgrade.
 */
public final class StripeAccounts {
    private StripeAccounts() {
    }

    public static ConnectedAccount.GatewayState state(String accountJson) {
        return state(JsonParser.parseString(accountJson).getAsJsonObject());
    }

    static ConnectedAccount.GatewayState state(JsonObject account) {
        Map<String, String> capabilities = new LinkedHashMap<>();
        JsonObject caps = object(account, "capabilities");
        if (caps != null) {
            for (Map.Entry<String, JsonElement> entry : caps.entrySet()) {
                if (entry.getValue().isJsonPrimitive()) {
                    capabilities.put(entry.getKey(), entry.getValue().getAsString());
                }
            }
        }
        JsonObject requirements = object(account, "requirements");
        ConnectedAccount.Requirements due = requirements == null ? ConnectedAccount.Requirements.NONE
                : new ConnectedAccount.Requirements(
                        Optional.ofNullable(requirements.get("current_deadline")).filter(JsonElement::isJsonPrimitive)
                                .map(deadline -> Instant.ofEpochSecond(deadline.getAsLong())),
                        strings(requirements, "currently_due"), strings(requirements, "eventually_due"), strings(requirements, "past_due"),
                        Optional.ofNullable(requirements.get("disabled_reason")).filter(JsonElement::isJsonPrimitive).map(JsonElement::getAsString));
        return new ConnectedAccount.GatewayState(bool(account, "charges_enabled"), bool(account, "payouts_enabled"), capabilities, due);
    }

    /** The value of one capability from a {@code capability.updated} event's object: its id (e.g. {@code card_payments}) and status. */
    public static Optional<Map.Entry<String, String>> capability(String capabilityJson) {
        JsonObject capability = JsonParser.parseString(capabilityJson).getAsJsonObject();
        if (!capability.has("id") || !capability.has("status")) {
            return Optional.empty();
        }
        return Optional.of(Map.entry(capability.get("id").getAsString(), capability.get("status").getAsString()));
    }

    /** The account a {@code capability.updated} event's object belongs to. */
    public static Optional<String> accountOfCapability(String capabilityJson) {
        JsonObject capability = JsonParser.parseString(capabilityJson).getAsJsonObject();
        return Optional.ofNullable(capability.get("account")).filter(JsonElement::isJsonPrimitive).map(JsonElement::getAsString);
    }

    private static JsonObject object(JsonObject parent, String name) {
        JsonElement value = parent.get(name);
        return value != null && value.isJsonObject() ? value.getAsJsonObject() : null;
    }

    private static boolean bool(JsonObject parent, String name) {
        JsonElement value = parent.get(name);
        return value != null && value.isJsonPrimitive() && value.getAsBoolean();
    }

    private static List<String> strings(JsonObject parent, String name) {
        List<String> values = new ArrayList<>();
        JsonElement value = parent.get(name);
        if (value != null && value.isJsonArray()) {
            value.getAsJsonArray().forEach(element -> values.add(element.getAsString()));
        }
        return values;
    }
}
