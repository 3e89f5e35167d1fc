package dev.payflow.core.api;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records calls refused by authentication or by an access rule: counted by reason
 * ({@code payflow.auth.failures}) and logged with the method and request id, never with the
 * credential itself.
 */
final class AuthFailures {
    private static final Logger LOG = LoggerFactory.getLogger(AuthFailures.class);

    private final MeterRegistry meters;

    AuthFailures(MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    /** Records the failure if it is a refusal (UNAUTHENTICATED or PERMISSION_DENIED); other failures are not ours to count. */
    void recordIfRefusal(RuntimeException failure, String fullMethodName) {
        if (!(failure instanceof PayflowException refusal)) {
            return;
        }
        ErrorReason.Category category = refusal.reason().category();
        if (category != ErrorReason.Category.UNAUTHENTICATED && category != ErrorReason.Category.PERMISSION_DENIED) {
            return;
        }
        Counter.builder("payflow.auth.failures").description("Calls refused by authentication or authorisation")
                .tag("reason", refusal.reason().name()).register(meters).increment();
        LOG.info("refused {} (request {}): {}", fullMethodName, CallContext.REQUEST_ID.get(), refusal.reason());
    }
}
