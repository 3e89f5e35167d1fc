package dev.payflow.core.domain;

/** Checks of plain text fields, with messages that name the field, the value and the expectation. */
public final class Fields {
    private Fields() {
    }

    /** A non-empty value of at most {@code lengthMax} characters, else MISSING_FIELD or INVALID_FIELD. */
    public static String required(String value, String field, int lengthMax) {
        if (value == null || value.isBlank()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "%s is required", field);
        }
        return optional(value, field, lengthMax);
    }

    /** A value of at most {@code lengthMax} characters without control characters (empty allowed). */
    public static String optional(String value, String field, int lengthMax) {
        String text = value == null ? "" : value;
        if (text.length() > lengthMax) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: %d characters (expected: at most %d)", field, text.length(), lengthMax);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\t') {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: contains a control character at position %d", field, i);
            }
        }
        return text;
    }

    /**
     * Free text a partner writes (a name, a description): {@link #optional} and then refused with
     * CARD_DATA_NOT_ACCEPTED if it holds what looks like a card number ({@link CardData}). Ids,
     * tokens and amounts go through {@link #optional} / {@link #required} instead: they are not
     * scanned.
     */
    public static String freeText(String value, String field, int lengthMax) {
        return CardData.refuseIn(optional(value, field, lengthMax), field);
    }

    /** {@link #freeText} that must not be empty, else MISSING_FIELD. */
    public static String requiredFreeText(String value, String field, int lengthMax) {
        return CardData.refuseIn(required(value, field, lengthMax), field);
    }
}
