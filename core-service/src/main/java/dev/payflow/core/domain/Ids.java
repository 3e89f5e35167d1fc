package dev.payflow.core.domain;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.Random;

/**
 * Makes and checks ids: a type prefix and 26 characters of lower-case Crockford base32, the first
 * 10 encoding the creation time in milliseconds and the last 16 random (80 bits), as a ULID does.
 * Ids therefore sort by creation time, which lets every list page by id alone.
 */
public final class Ids {
    static final int BODY_LENGTH = 26;
    private static final int TIME_CHARS = 10;
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();

    private final Clock clock;
    private final Random random;

    public Ids(Clock clock, SecureRandom random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    public String next(IdPrefix prefix) {
        char[] body = new char[BODY_LENGTH];
        long millis = clock.millis();
        for (int i = TIME_CHARS - 1; i >= 0; i--) {
            body[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        for (int i = TIME_CHARS; i < BODY_LENGTH; i++) {
            body[i] = ALPHABET[random.nextInt(32)];
        }
        return prefix.prefix() + new String(body);
    }

    /** Whether the value has the shape of an id of this type. */
    public static boolean isValid(String value, IdPrefix prefix) {
        if (value == null || value.length() != prefix.prefix().length() + BODY_LENGTH || !value.startsWith(prefix.prefix())) {
            return false;
        }
        for (int i = prefix.prefix().length(); i < value.length(); i++) {
            if (decode(value.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The value if it is an id of this type; MISSING_FIELD or INVALID_ID naming the field otherwise. */
    public static String require(String value, IdPrefix prefix, String field) {
        if (value == null || value.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "%s is required (expected: an id starting with %s)", field, prefix.prefix());
        }
        if (!isValid(value, prefix)) {
            throw PayflowException.of(ErrorReason.INVALID_ID, "%s: %s is not a valid id (expected: %s followed by %d characters)",
                    field, Strings.forMessage(value), prefix.prefix(), BODY_LENGTH);
        }
        return value;
    }

    private static int decode(char c) {
        for (int i = 0; i < ALPHABET.length; i++) {
            if (ALPHABET[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
