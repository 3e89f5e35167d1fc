package dev.payflow.core.domain;

/**
 * Refuses card numbers in partner text. PayFlow keeps tokens, never card numbers (that would put
 * it in PCI DSS scope): a description, name, metadata value or provider token that holds what
 * looks like a primary account number is refused with {@code CARD_DATA_NOT_ACCEPTED} before
 * anything is stored, and the refusal never echoes the value, so it reaches no log either.
 *
 * <p>What looks like a card number: a run of 13 to 19 digits, whose first digit is a card
 * network's (2 to 6: Mastercard's 2-series and 5, American Express and Diners 3, Visa 4, Discover
 * and UnionPay 6), that passes the Luhn check. Digits may be grouped by single spaces or dashes,
 * as people write card numbers ({@code 4242 4242 4242 4242}); every run of whole groups is tried,
 * so a number written after other digits ({@code order 12 4242-4242-4242-4242}) is found too.
 * Ids and amounts are not scanned: callers pass only free text.
 */
public final class CardData {
    /** ISO/IEC 7812 primary account numbers are 13 to 19 digits long. */
    static final int DIGITS_MIN = 13;
    static final int DIGITS_MAX = 19;

    private CardData() {
    }

    /** The text unchanged, or CARD_DATA_NOT_ACCEPTED naming only the field. */
    public static String refuseIn(String text, String field) {
        if (text != null && holdsCardNumber(text)) {
            throw PayflowException.of(ErrorReason.CARD_DATA_NOT_ACCEPTED,
                    "%s: holds what looks like a card number; send a payment method token instead (the value is neither stored nor logged)", field);
        }
        return text;
    }

    /**
     * A token that is a card number, or CARD_DATA_NOT_ACCEPTED naming only the field. A token is
     * refused only when it is one as a whole ({@link #isCardNumber}): a provider's random id may
     * hold a long digit run by chance, but never consists of one.
     */
    public static String refuseAsToken(String token, String field) {
        if (token != null && isCardNumber(token)) {
            throw PayflowException.of(ErrorReason.CARD_DATA_NOT_ACCEPTED,
                    "%s: a card number is not a payment method token: make a token with the provider's SDK (the value is neither stored nor logged)",
                    field);
        }
        return token;
    }

    /** Whether the whole text, less surrounding blanks, is one card number (its digit groups separated by single spaces or dashes). */
    public static boolean isCardNumber(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty() || !isDigit(trimmed.charAt(0)) || !isDigit(trimmed.charAt(trimmed.length() - 1))) {
            return false;
        }
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (!isDigit(c) && c != ' ' && c != '-') {
                return false;
            }
        }
        if (trimmed.contains("  ") || trimmed.contains("--") || trimmed.contains(" -") || trimmed.contains("- ")) {
            return false;
        }
        String digits = trimmed.replace(" ", "").replace("-", "");
        return digits.length() >= DIGITS_MIN && digits.length() <= DIGITS_MAX && looksLikeCardNumber(digits.toCharArray(), digits.length());
    }

    /** Whether the text holds a Luhn-valid 13 to 19 digit run with a card network's first digit. */
    public static boolean holdsCardNumber(String text) {
        int i = 0;
        int length = text.length();
        while (i < length) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            // A run of digit groups separated by single spaces or dashes: [start, end).
            int start = i;
            int end = i;
            while (end < length) {
                if (isDigit(text.charAt(end))) {
                    end++;
                } else if ((text.charAt(end) == ' ' || text.charAt(end) == '-') && end + 1 < length && isDigit(text.charAt(end + 1))) {
                    end++;
                } else {
                    break;
                }
            }
            if (runHoldsCardNumber(text, start, end)) {
                return true;
            }
            i = end;
        }
        return false;
    }

    /** Tries every sequence of whole groups of the run, starting at each group. */
    private static boolean runHoldsCardNumber(String text, int start, int end) {
        for (int groupStart = start; groupStart < end; groupStart++) {
            if (groupStart > start && isDigit(text.charAt(groupStart - 1))) {
                continue;
            }
            if (!isDigit(text.charAt(groupStart))) {
                continue;
            }
            char[] digits = new char[DIGITS_MAX];
            int count = 0;
            for (int k = groupStart; k < end && count <= DIGITS_MAX; k++) {
                char c = text.charAt(k);
                if (!isDigit(c)) {
                    continue;
                }
                if (count == DIGITS_MAX) {
                    count++;
                    break;
                }
                digits[count++] = c;
                boolean groupEnds = k + 1 == end || !isDigit(text.charAt(k + 1));
                if (groupEnds && count >= DIGITS_MIN && looksLikeCardNumber(digits, count)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean looksLikeCardNumber(char[] digits, int count) {
        return digits[0] >= '2' && digits[0] <= '6' && luhnValid(digits, count);
    }

    /** The Luhn (mod 10) check of ISO/IEC 7812-1 over the first {@code count} digits. */
    static boolean luhnValid(char[] digits, int count) {
        int sum = 0;
        boolean doubled = false;
        for (int i = count - 1; i >= 0; i--) {
            int d = digits[i] - '0';
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
