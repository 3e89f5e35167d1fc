package dev.payflow.core.domain;

import java.util.Objects;

/**
 * A failure with a stable reason that the partner may see. The message is written for the partner:
 * it names the field or object and what was expected, and never carries SQL or stack traces.
 */
public final class PayflowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorReason reason;

    public PayflowException(ErrorReason reason, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public static PayflowException of(ErrorReason reason, String format, Object... args) {
        return new PayflowException(reason, String.format(java.util.Locale.ROOT, format, args));
    }

    public ErrorReason reason() {
        return reason;
    }
}
