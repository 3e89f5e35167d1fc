package dev.payflow.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Gson's rules, reproduced without Gson: checked against Gson itself. */
class JsonTextTest {
    /** What protobuf's JsonFormat escapes strings with. */
    private static final Gson HTML_SAFE = new Gson();
    /** What the envelope was printed with. */
    private static final Gson PLAIN = new GsonBuilder().disableHtmlEscaping().create();
    private static final Gson PLAIN_WITH_NULLS = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final Gson HTML_SAFE_WITH_NULLS = new GsonBuilder().serializeNulls().create();

    @Test
    void everyCodeUnitIsQuotedAsGsonQuotesIt() {
        for (int c = 0; c <= 0xFFFF; c++) {
            String value = "a" + (char) c + "b";
            assertThat(quoted(value, JsonText.Escaping.HTML_SAFE)).as("U+%04X html-safe", c).isEqualTo(HTML_SAFE.toJson(value));
            assertThat(quoted(value, JsonText.Escaping.PLAIN)).as("U+%04X plain", c).isEqualTo(PLAIN.toJson(value));
        }
        String mixed = "Zoë 🎉 <a href='x'>&amp;</a> = \"q\" \\ \t\n\r\b\f\u0000\u001f\u2028\u2029";
        assertThat(quoted(mixed, JsonText.Escaping.HTML_SAFE)).isEqualTo(HTML_SAFE.toJson(mixed));
        assertThat(quoted(mixed, JsonText.Escaping.PLAIN)).isEqualTo(PLAIN.toJson(mixed));
        assertThat(quoted("", JsonText.Escaping.PLAIN)).isEqualTo("\"\"");
    }

    @Test
    void gsonsHtmlSafeEscapesAreUndoneAsGsonsReprintUndoesThem() {
        String printed = HTML_SAFE.toJson(object("note", "Tom & Jerry's <b>club</b> a=b"));
        assertThat(printed).contains("\\u0026", "\\u0027", "\\u003c", "\\u003e", "\\u003d");

        assertThat(JsonText.reprintedPlain(printed)).isEqualTo("{\"note\":\"Tom & Jerry's <b>club</b> a=b\"}").isEqualTo(reprint(printed));
    }

    @Test
    void compactJsonWithoutHtmlEscapesIsKeptAsItIs() {
        String json = "{\"a\":[1,2.5,-3,1.0E20,true,false,\"x\\\"y\\\\z\\n\\u0001\\u2028\"],\"b\":{},\"c\":[]}";

        assertThat(JsonText.reprintedPlain(json)).isSameAs(json).isEqualTo(reprint(json));
    }

    @Test
    void whatTheScanCannotBeSureOfIsLeftToGson() {
        // Whitespace, a null member (Gson drops it), escapes Gson writes another way, raw characters Gson escapes, no object.
        for (String json : new String[] {"{ \"a\":1}", "{\"a\":null}", "{\"a\":[null]}", "{\"a\":\"\\/\"}", "{\"a\":\"\\u0041\"}",
                "{\"a\":\"\\u003C\"}", "{\"a\":\"\\u001F\"}", "{\"a\":\"\u0001\"}", "{\"a\":\"\u2028\"}", "[1]", "{\"a\":1}{}", "{\"a\":[1}",
                "{\"a\":\"x}", "{", "", "{\"a\":\"\\u00"}) {
            assertThat(JsonText.reprintedPlain(json)).as(json).isNull();
        }
        assertThat(JsonText.reprintedPlain("{\"a\":" + "[".repeat(JsonText.NESTING_MAX) + "]".repeat(JsonText.NESTING_MAX) + "}"))
                .isNull();
    }

    @Test
    void randomJsonIsReprintedAsGsonReprintsItOrLeftToGson() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        int sure = 0;
        for (int i = 0; i < 2_000; i++) {
            JsonElement tree = randomObject(random, 0);
            Gson printer = switch (random.nextInt(4)) {
                case 0 -> HTML_SAFE;
                case 1 -> PLAIN;
                case 2 -> HTML_SAFE_WITH_NULLS;
                default -> PLAIN_WITH_NULLS;
            };
            String json = printer.toJson(tree);
            String reprinted = JsonText.reprintedPlain(json);
            if (reprinted != null) {
                assertThat(reprinted).as("seed %dL: %s", seed, json).isEqualTo(reprint(json));
                sure++;
            }
        }
        assertThat(sure).as("seed %dL", seed).isGreaterThan(1_000);
    }

    /** What the envelope did with the data: Gson's parse and reprint. */
    private static String reprint(String json) {
        return PLAIN.toJson(JsonParser.parseString(json));
    }

    private static String quoted(String value, JsonText.Escaping escaping) {
        return JsonText.appendQuoted(new StringBuilder(), value, escaping).toString();
    }

    private static JsonObject object(String key, String value) {
        JsonObject object = new JsonObject();
        object.addProperty(key, value);
        return object;
    }

    private static final String[] ALPHABET = {"a", "<", ">", "&", "=", "'", "\"", "\\", "/", "\t", "\n", "\u0001", "\u007f", "é", "\u2028",
            "🎉", "{", "]", ",", ":", "null", " "};

    private static String text(Random random) {
        StringBuilder out = new StringBuilder();
        for (int i = random.nextInt(6); i > 0; i--) {
            out.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return out.toString();
    }

    private static JsonObject randomObject(Random random, int depth) {
        JsonObject object = new JsonObject();
        for (int i = random.nextInt(depth == 0 ? 6 : 3); i > 0; i--) {
            object.add(text(random) + i, randomValue(random, depth + 1));
        }
        return object;
    }

    private static JsonElement randomValue(Random random, int depth) {
        return switch (random.nextInt(depth < 4 ? 8 : 6)) {
            case 0 -> new JsonPrimitive(text(random));
            case 1 -> new JsonPrimitive(random.nextLong());
            case 2 -> new JsonPrimitive(random.nextDouble() * 1e6 - 5e5);
            case 3 -> new JsonPrimitive(random.nextBoolean());
            case 4 -> random.nextInt(8) == 0 ? JsonNull.INSTANCE : new JsonPrimitive("");
            case 5 -> new JsonPrimitive(-0.0);
            case 6 -> randomObject(random, depth);
            default -> {
                JsonArray array = new JsonArray();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomValue(random, depth + 1));
                }
                yield array;
            }
        };
    }
}
