package dev.payflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import org.junit.jupiter.api.Test;

class ErrorStatusesTest {

    @Test
    void anUnexpectedFailurePromisesNothingAboutTheOutcomeAndAsksForARetryWithTheSameKey() {
        // The failure may come after the commit (while building the reply): the money may have moved.
        PayflowException mapped = ErrorStatuses.classify(new IllegalStateException("select * from wallets"));

        assertThat(mapped.reason()).isEqualTo(ErrorReason.INTERNAL_ERROR);
        assertThat(mapped.getMessage()).contains("same idempotency key").doesNotContain("nothing was changed").doesNotContain("select");
    }
}
