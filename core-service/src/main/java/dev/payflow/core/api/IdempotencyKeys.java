package dev.payflow.core.api;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.PayflowException;

/**
 * The idempotency key of a money-moving call: from the body's {@code idempotencyKey} or the
 * {@code Idempotency-Key} header (gRPC metadata {@code idempotency-key}). Resolved here, at the
 * edge, so use cases receive one checked key and never see where it came from.
 */
final class IdempotencyKeys {
    private IdempotencyKeys() {
    }

    /** Required; the same in both places if given twice; then checked as a partner key ({@link IdempotencyKey#fromPartner}). */
    static IdempotencyKey resolve(String bodyKey) {
        String headerKey = CallContext.idempotencyKeyHeader();
        boolean inBody = bodyKey != null && !bodyKey.isEmpty();
        boolean inHeader = headerKey != null && !headerKey.isEmpty();
        if (!inBody && !inHeader) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_MISSING,
                    "idempotencyKey is required for money movement (in the body, or the Idempotency-Key header)");
        }
        if (inBody && inHeader && !bodyKey.equals(headerKey)) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_CONFLICT, "the idempotencyKey in the body and the Idempotency-Key header differ");
        }
        return IdempotencyKey.fromPartner(inBody ? bodyKey : headerKey);
    }
}
