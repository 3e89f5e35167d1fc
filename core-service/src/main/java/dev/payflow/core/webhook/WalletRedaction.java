package dev.payflow.core.webhook;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Redacts one wallet's personal data inside a stored partner event body, the way the retention
 * job redacts the wallet's own row. In the wallet itself (an object whose {@code id} is the
 * wallet's) the name, {@code externalUserId} and {@code externalWalletId} become {@code
 * redacted_<walletId>} and the metadata {@code {}}. Every other object that names the wallet in
 * {@code walletId}, {@code fromWalletId} or {@code toWalletId} (the event's flat fields, the
 * transaction and its entries, a payment, a hold) gets the same placeholder for the partner's ids
 * of it, empty metadata, and an empty free-text {@code description} and gateway {@code customer}.
 * Ids, types, amounts, balances, sequences, statuses and times stay exactly as sent: the partner's
 * books still add up. (The transaction rows themselves are financial records and stay whole.)
 */
public final class WalletRedaction {
    /** The fields that name a wallet in the contract's objects and events' flat fields. */
    private static final List<String> WALLET_ID_FIELDS = List.of("walletId", "fromWalletId", "toWalletId");
    private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    private WalletRedaction() {}

    /** What a redacted name or id of the wallet reads. */
    public static String placeholder(String walletId) {
        return "redacted_" + Objects.requireNonNull(walletId, "walletId");
    }

    /** The body with the wallet's personal data redacted, or empty if it holds none of it. */
    public static Optional<String> redact(String body, String walletId) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(walletId, "walletId");
        JsonElement tree = JsonParser.parseString(body);
        return redact(tree, walletId) ? Optional.of(JSON.toJson(tree)) : Optional.empty();
    }

    /** Rewrites in place, depth first; true if anything changed. */
    private static boolean redact(JsonElement element, String walletId) {
        boolean changed = false;
        if (element instanceof JsonArray array) {
            for (JsonElement item : array) {
                changed |= redact(item, walletId);
            }
        } else if (element instanceof JsonObject object) {
            for (var entry : object.entrySet()) {
                changed |= redact(entry.getValue(), walletId);
            }
            String id = string(object, "id");
            if (walletId.equals(id)) {
                changed |= replace(object, "name", placeholder(walletId));
                changed |= replace(object, "externalUserId", placeholder(walletId));
                changed |= replace(object, "externalWalletId", placeholder(walletId));
                changed |= empty(object, "metadata");
            } else if (WALLET_ID_FIELDS.stream().anyMatch(field -> walletId.equals(string(object, field)))) {
                changed |= replace(object, "externalUserId", placeholder(walletId));
                changed |= replace(object, "externalWalletId", placeholder(walletId));
                changed |= empty(object, "metadata");
                changed |= replace(object, "description", "");
                changed |= replace(object, "customer", "");
            }
        }
        return changed;
    }

    private static String string(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString() ? value.getAsString() : null;
    }

    /** Sets a string field that is present and differs; absent fields stay absent (the shape is the contract's). */
    private static boolean replace(JsonObject object, String field, String value) {
        JsonElement current = object.get(field);
        if (current == null || !current.isJsonPrimitive() || current.getAsString().equals(value)) {
            return false;
        }
        object.addProperty(field, value);
        return true;
    }

    private static boolean empty(JsonObject object, String field) {
        JsonElement current = object.get(field);
        if (current == null || !current.isJsonObject() || current.getAsJsonObject().isEmpty()) {
            return false;
        }
        object.add(field, new JsonObject());
        return true;
    }
}
