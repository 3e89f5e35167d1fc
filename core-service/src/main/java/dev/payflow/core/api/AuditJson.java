package dev.payflow.core.api;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.app.PersonalDataDigests;
import java.util.Map;
import java.util.Set;

/**
 * A request or reply as it goes into the audit trail: its JSON with secrets masked (API keys,
 * passwords, CSRF tokens) and personal data replaced by keyed digests (emails, people's names,
 * partners' user and wallet ids, free metadata), so the trail, kept ten years, holds no secret and
 * nothing that redaction would have to edit.
 */
final class AuditJson {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    /** Never recorded, not even as a digest: a digest of a key or password could be checked against guesses. */
    private static final Set<String> SECRETS = Set.of("key", "password", "csrfToken", "token", "secret");
    /** Recorded as a keyed digest: still comparable, no longer readable. */
    private static final Set<String> PERSONAL = Set.of("email", "displayName", "contactPerson", "externalUserId", "externalWalletId",
            "metadata");

    private final PersonalDataDigests digests;

    AuditJson(PersonalDataDigests digests) {
        this.digests = digests;
    }

    String of(MessageOrBuilder message) {
        try {
            JsonElement json = JsonParser.parseString(PRINTER.print(message));
            return GSON.toJson(masked(json));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private JsonElement masked(JsonElement element) {
        if (element.isJsonArray()) {
            for (int i = 0; i < element.getAsJsonArray().size(); i++) {
                element.getAsJsonArray().set(i, masked(element.getAsJsonArray().get(i)));
            }
            return element;
        }
        if (!element.isJsonObject()) {
            return element;
        }
        JsonObject object = element.getAsJsonObject();
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> field : object.entrySet()) {
            String name = field.getKey();
            JsonElement value = field.getValue();
            if (SECRETS.contains(name)) {
                out.add(name, new JsonPrimitive("***"));
            } else if (PERSONAL.contains(name)) {
                out.add(name, new JsonPrimitive(digests.digest(value.isJsonPrimitive() ? value.getAsString() : GSON.toJson(value))));
            } else {
                out.add(name, masked(value));
            }
        }
        return out;
    }
}
