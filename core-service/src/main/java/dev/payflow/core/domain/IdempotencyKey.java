package dev.payflow.core.domain;

import java.util.Objects;

/**
 * The key that makes a money movement happen at most once, scoped to a partner and mode. Partners
 * choose theirs; movements PayFlow starts itself (expiries, webhook-driven bookings, fees,
 * reversals) carry keys of the reserved namespace {@code sys:<source>:<id>:<step>}, so a replayed
 * event can never book twice and can never collide with a partner's key.
 */
public record IdempotencyKey(String value) {
    /** The namespace of PayFlow's own keys; a partner key may not start with it. */
    public static final String SYSTEM_PREFIX = "sys:";

    public IdempotencyKey {
        Objects.requireNonNull(value, "value");
    }

    /**
     * A key a partner sent: 1..255 printable ASCII characters, not in the reserved namespace.
     * The caller has already checked that one was sent at all.
     */
    public static IdempotencyKey fromPartner(String key) {
        Objects.requireNonNull(key, "key");
        if (key.length() > Limits.IDEMPOTENCY_KEY_LENGTH_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "idempotencyKey: %d characters (expected: at most %d)", key.length(),
                    Limits.IDEMPOTENCY_KEY_LENGTH_MAX);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "idempotencyKey: character %d is not printable ASCII", i);
            }
        }
        if (key.startsWith(SYSTEM_PREFIX)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD,
                    "idempotencyKey: keys starting with \"%s\" are reserved for PayFlow's own movements", SYSTEM_PREFIX);
        }
        return new IdempotencyKey(key);
    }

    /** The key of a movement PayFlow starts itself: {@code sys:<source>:<id>:<step>}, e.g. {@code sys:hold-expiry:hld_...:expire}. */
    public static IdempotencyKey system(String source, String id, String step) {
        for (String part : new String[] {source, id, step}) {
            if (part == null || part.isEmpty() || part.indexOf(':') >= 0) {
                throw new IllegalArgumentException("system key parts must be non-empty and free of ':': " + source + ", " + id + ", " + step);
            }
        }
        String key = SYSTEM_PREFIX + source + ":" + id + ":" + step;
        if (key.length() > Limits.IDEMPOTENCY_KEY_LENGTH_MAX) {
            throw new IllegalArgumentException("system key longer than " + Limits.IDEMPOTENCY_KEY_LENGTH_MAX + ": " + key);
        }
        return new IdempotencyKey(key);
    }

    public boolean isSystem() {
        return value.startsWith(SYSTEM_PREFIX);
    }

    @Override
    public String toString() {
        return value;
    }
}
