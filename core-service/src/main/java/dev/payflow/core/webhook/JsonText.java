package dev.payflow.core.webhook;

import java.util.Objects;

/**
 * JSON text exactly as Gson writes it, without Gson's trees, for the event path that runs inside
 * group commit's batch (while the batch holds its wallet locks). The stored event bodies were
 * always Gson's output (protobuf's {@code JsonFormat} escapes strings with a default Gson; the
 * envelope was a Gson reprint of the data), and partners may verify signatures over those bytes,
 * so this class reproduces Gson's rules to the byte; {@code JsonTextTest} checks them against
 * Gson itself for every UTF-16 code unit.
 */
public final class JsonText {
    /**
     * The deepest nesting of arrays and objects Gson's reader accepts (its default nesting limit);
     * deeper data goes to Gson itself, which refuses it as it always did.
     */
    static final int NESTING_MAX = 255;

    /** How strings are escaped. */
    public enum Escaping {
        /** Gson's default, and so protobuf's {@code JsonFormat}: also {@code < > & = '} as {@code \u003c} etc. */
        HTML_SAFE,
        /** Gson with {@code disableHtmlEscaping()}: only quotes, backslashes, control characters, U+2028 and U+2029. */
        PLAIN
    }

    private static final String[] PLAIN_REPLACEMENTS = new String[128];
    private static final String[] HTML_SAFE_REPLACEMENTS;

    static {
        for (int c = 0; c < 0x20; c++) {
            PLAIN_REPLACEMENTS[c] = String.format("\\u%04x", c);
        }
        PLAIN_REPLACEMENTS['"'] = "\\\"";
        PLAIN_REPLACEMENTS['\\'] = "\\\\";
        PLAIN_REPLACEMENTS['\t'] = "\\t";
        PLAIN_REPLACEMENTS['\b'] = "\\b";
        PLAIN_REPLACEMENTS['\n'] = "\\n";
        PLAIN_REPLACEMENTS['\r'] = "\\r";
        PLAIN_REPLACEMENTS['\f'] = "\\f";
        HTML_SAFE_REPLACEMENTS = PLAIN_REPLACEMENTS.clone();
        HTML_SAFE_REPLACEMENTS['<'] = "\\u003c";
        HTML_SAFE_REPLACEMENTS['>'] = "\\u003e";
        HTML_SAFE_REPLACEMENTS['&'] = "\\u0026";
        HTML_SAFE_REPLACEMENTS['='] = "\\u003d";
        HTML_SAFE_REPLACEMENTS['\''] = "\\u0027";
    }

    private JsonText() {
    }

    /** Appends {@code value} as a JSON string, quoted and escaped as Gson escapes it. */
    public static StringBuilder appendQuoted(StringBuilder out, String value, Escaping escaping) {
        Objects.requireNonNull(value, "value");
        String[] replacements = escaping == Escaping.HTML_SAFE ? HTML_SAFE_REPLACEMENTS : PLAIN_REPLACEMENTS;
        out.append('"');
        int last = 0;
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            String replacement;
            if (c < 128) {
                replacement = replacements[c];
                if (replacement == null) {
                    continue;
                }
            } else if (c == '\u2028') {
                replacement = "\\u2028";
            } else if (c == '\u2029') {
                replacement = "\\u2029";
            } else {
                continue;
            }
            out.append(value, last, i).append(replacement);
            last = i + 1;
        }
        return out.append(value, last, length).append('"');
    }

    /**
     * The JSON object {@code json} as Gson (HTML escaping off, nulls not serialised) prints it again
     * after parsing it, which is what the envelope of every event did with its data; or null when
     * this one scan cannot be sure of the result, and the caller must ask Gson.
     *
     * <p>It is sure for the compact output of protobuf's {@code JsonFormat} and of Gson: no
     * whitespace between tokens, no {@code null} (Gson drops an object member whose value is null),
     * and strings that use only the escapes Gson writes. The HTML escapes {@code \u003c},
     * {@code \u003e}, {@code \u0026}, {@code \u003d} and {@code \u0027} become the characters they
     * stand for, as in Gson's reprint; numbers, {@code true} and {@code false} stay as written (Gson
     * keeps a parsed number's text). Anything else (another escape, a raw control character, a
     * structure that does not balance) answers null.
     */
    static String reprintedPlain(String json) {
        int length = json.length();
        if (length < 2 || json.charAt(0) != '{' || json.charAt(length - 1) != '}') {
            return null;
        }
        StringBuilder out = null;
        int copied = 0;
        int depth = 0;
        for (int i = 0; i < length; i++) {
            char c = json.charAt(i);
            switch (c) {
                case '"' -> {
                    for (i++; ; i++) {
                        if (i >= length) {
                            return null;
                        }
                        c = json.charAt(i);
                        if (c == '"') {
                            break;
                        }
                        if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                            // Gson would write it escaped.
                            return null;
                        }
                        if (c != '\\') {
                            continue;
                        }
                        if (i + 1 >= length) {
                            return null;
                        }
                        char escape = json.charAt(i + 1);
                        if (escape == '"' || escape == '\\' || escape == 't' || escape == 'b' || escape == 'n' || escape == 'r' || escape == 'f') {
                            i++;
                            continue;
                        }
                        if (escape != 'u' || i + 5 >= length) {
                            // "\/" and the like: Gson writes the character another way.
                            return null;
                        }
                        int code = lowerCaseHex(json, i + 2);
                        if (code == '<' || code == '>' || code == '&' || code == '=' || code == '\'') {
                            if (out == null) {
                                out = new StringBuilder(length);
                            }
                            out.append(json, copied, i).append((char) code);
                            copied = i + 6;
                        } else if (!escapedAsUnicode(code)) {
                            return null;
                        }
                        i += 5;
                    }
                }
                case '{', '[' -> {
                    depth++;
                    if (depth > NESTING_MAX) {
                        return null;
                    }
                }
                case '}', ']' -> {
                    depth--;
                    if (depth < 0 || (depth == 0 && i != length - 1)) {
                        return null;
                    }
                }
                // Outside strings an 'n' starts a null only ("true" and "false" have none); whitespace Gson does not print.
                case 'n', ' ', '\t', '\n', '\r' -> {
                    return null;
                }
                default -> {
                }
            }
        }
        if (depth != 0) {
            return null;
        }
        return out == null ? json : out.append(json, copied, length).toString();
    }

    /** Whether Gson writes the character as {@code \}{@code uxxxx} (then in lower-case hex), in either escaping. */
    private static boolean escapedAsUnicode(int code) {
        if (code < 0) {
            return false;
        }
        if (code < 0x20) {
            return code != '\t' && code != '\b' && code != '\n' && code != '\r' && code != '\f';
        }
        return code == 0x2028 || code == 0x2029;
    }

    /** The four lower-case hex digits at {@code from} as a number, or -1 if they are not that. */
    private static int lowerCaseHex(String text, int from) {
        int value = 0;
        for (int i = from; i < from + 4; i++) {
            char c = text.charAt(i);
            int digit;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                digit = c - 'a' + 10;
            } else {
                return -1;
            }
            value = value * 16 + digit;
        }
        return value;
    }
}
