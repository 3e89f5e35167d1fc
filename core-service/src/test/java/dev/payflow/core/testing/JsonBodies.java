package dev.payflow.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;

/** Request bodies for REST tests: copies of a valid body with one thing changed, and metadata of a given size. */
public final class JsonBodies {
    private JsonBodies() {
    }

    /** A JSON object of string fields, as request body text. */
    public static String json(java.util.Map<String, String> fields) {
        JsonObject object = new JsonObject();
        fields.forEach(object::addProperty);
        return object.toString();
    }

    public static JsonObject with(JsonObject object, String key, String value) {
        JsonObject copy = object.deepCopy();
        copy.addProperty(key, value);
        return copy;
    }

    public static JsonObject without(JsonObject object, String key) {
        JsonObject copy = object.deepCopy();
        copy.remove(key);
        return copy;
    }

    public static JsonObject withMetadata(JsonObject object, JsonObject metadata) {
        JsonObject copy = object.deepCopy();
        copy.add("metadata", metadata);
        return copy;
    }

    /** {"k0":"v","k1":"v",...} with {@code keys} keys. */
    public static JsonObject metadataWithKeys(int keys) {
        JsonObject metadata = new JsonObject();
        for (int i = 0; i < keys; i++) {
            metadata.addProperty("k" + i, "v");
        }
        return metadata;
    }

    /** {"k":"xxx..."}, exactly {@code bytes} long as compact JSON. */
    public static JsonObject metadataOfBytes(int bytes) {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("k", "x".repeat(bytes - "{\"k\":\"\"}".length()));
        assertThat(metadata.toString()).hasSize(bytes);
        return metadata;
    }
}
