package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Text;

/** The idempotency key of a money-moving request, and the fingerprint of what it asked for. */
final class IdempotencyKeys {
    private IdempotencyKeys() {
    }

    /**
     * The key from the body or the {@code Idempotency-Key} header: required, the same in both
     * places if given twice, 1..255 printable ASCII characters.
     */
    static String resolve(String bodyKey, String headerKey) {
        boolean inBody = bodyKey != null && !bodyKey.isEmpty();
        boolean inHeader = headerKey != null && !headerKey.isEmpty();
        if (!inBody && !inHeader) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_MISSING,
                    "idempotencyKey is required for money movement (in the body, or the Idempotency-Key header)");
        }
        if (inBody && inHeader && !bodyKey.equals(headerKey)) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_CONFLICT, "the idempotencyKey in the body and the Idempotency-Key header differ");
        }
        String key = inBody ? bodyKey : headerKey;
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
        return key;
    }

    /**
     * SHA-256 over the operation and its canonical parameters (the key excluded). Each part is
     * length-prefixed, so no two different requests can produce the same text.
     */
    static String fingerprint(String operation, Object... parameters) {
        StringBuilder canonical = new StringBuilder();
        append(canonical, operation);
        for (Object parameter : parameters) {
            append(canonical, String.valueOf(parameter));
        }
        return Text.sha256Hex(canonical.toString());
    }

    private static void append(StringBuilder canonical, String part) {
        canonical.append(part.length()).append(':').append(part).append(';');
    }
}
