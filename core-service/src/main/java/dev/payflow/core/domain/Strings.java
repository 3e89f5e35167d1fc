package dev.payflow.core.domain;

/** Small helpers for echoing partner input safely in error messages. */
public final class Strings {
    /** Echo at most this many characters of a bad value, so a huge input does not become a huge error. */
    private static final int ECHO_LENGTH_MAX = 40;

    private Strings() {
    }

    /** The value, cut to a readable length and with control characters replaced. */
    public static String forMessage(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > ECHO_LENGTH_MAX ? value.substring(0, ECHO_LENGTH_MAX) + "..." : value;
        StringBuilder out = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }
}
