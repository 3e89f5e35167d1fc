package dev.payflow.core.domain;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.Random;

/**
 * Makes and checks ids: a type prefix and 26 characters of lower-case Crockford base32, the first
 * 10 encoding the creation time in milliseconds and the last 16 an 80-bit number, as a ULID does.
 * Ids therefore sort by creation time, which lets every list page by id alone. Within one
 * process they are strictly increasing: in the same millisecond (or if the clock steps back) the
 * 80-bit part of the previous id is incremented instead of drawn at random, so objects made in
 * one millisecond still list in the order they were made.
 */
public final class Ids {
    static final int BODY_LENGTH = 26;
    private static final int TIME_CHARS = 10;
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final long LOW_60_BITS = (1L << 60) - 1;

    private final Clock clock;
    private final Random random;
    private long lastMillis = Long.MIN_VALUE;
    /** The 80-bit part of the last id, as its top 20 and bottom 60 bits (4 and 12 base32 characters). */
    private long lastHigh;
    private long lastLow;

    public Ids(Clock clock, SecureRandom random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    public synchronized String next(IdPrefix prefix) {
        long millis = clock.millis();
        if (millis > lastMillis) {
            lastMillis = millis;
            lastHigh = random.nextInt(1 << 20);
            lastLow = random.nextLong() & LOW_60_BITS;
        } else {
            lastLow = (lastLow + 1) & LOW_60_BITS;
            if (lastLow == 0) {
                lastHigh = (lastHigh + 1) & ((1 << 20) - 1);
                if (lastHigh == 0) {
                    // 2^80 ids in one millisecond: wrap into the next millisecond rather than repeat.
                    lastMillis++;
                }
            }
        }
        char[] body = new char[BODY_LENGTH];
        encode(body, 0, TIME_CHARS, lastMillis);
        encode(body, TIME_CHARS, 4, lastHigh);
        encode(body, TIME_CHARS + 4, 12, lastLow);
        return prefix.prefix() + new String(body);
    }

    /** Writes the low {@code 5 * length} bits of {@code value} as base32, most significant first. */
    private static void encode(char[] out, int offset, int length, long value) {
        for (int i = offset + length - 1; i >= offset; i--) {
            out[i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
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
