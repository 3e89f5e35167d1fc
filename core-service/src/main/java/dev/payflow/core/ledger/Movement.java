package dev.payflow.core.ledger;

import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Text;
import java.util.Objects;

/**
 * One request to the ledger: what to do, under which idempotency key, and the fingerprint of the
 * request that the key guards (the same key with another fingerprint is refused).
 *
 * @param operation the API method or PayFlow process that asks, e.g. {@code CreditWallet}
 */
public record Movement(String operation, IdempotencyKey key, String fingerprint, Instruction instruction) {
    public Movement {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(instruction, "instruction");
    }

    /** A movement whose fingerprint is taken over the operation and its canonical parameters (the key excluded). */
    public static Movement of(String operation, IdempotencyKey key, Instruction instruction, Object... fingerprintParameters) {
        return new Movement(operation, key, fingerprint(operation, fingerprintParameters), instruction);
    }

    /**
     * SHA-256 over the operation and its parameters. Each part is length-prefixed, so no two
     * different requests produce the same text. Keys recorded before this engine existed were
     * fingerprinted the same way, so they still replay.
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
