package dev.payflow.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.PayflowException;
import org.junit.jupiter.api.Test;

/**
 * A partner's idempotency key, {@link IdempotencyKey#fromPartner}: accepted exactly when it is
 * 1..255 printable ASCII characters outside PayFlow's own {@code sys:} namespace, kept unchanged,
 * and otherwise refused with INVALID_FIELD, never another exception.
 */
class IdempotencyKeyFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void fromPartner(byte[] data) {
        String key = new FuzzBytes(data).restAsText();
        if (key.isEmpty()) {
            return; // The caller refuses a missing key before it gets here (MISSING_FIELD).
        }
        boolean expected = key.length() <= Limits.IDEMPOTENCY_KEY_LENGTH_MAX && key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)
                && !key.startsWith(IdempotencyKey.SYSTEM_PREFIX);
        try {
            IdempotencyKey accepted = IdempotencyKey.fromPartner(key);
            assertThat(expected).as("accepted %s", key).isTrue();
            assertThat(accepted.value()).isEqualTo(key);
            assertThat(accepted.isSystem()).isFalse();
        } catch (PayflowException refused) {
            assertThat(expected).as("refused %s: %s", key, refused.getMessage()).isFalse();
            assertThat(refused.reason()).isEqualTo(ErrorReason.INVALID_FIELD);
            assertThat(refused.getMessage()).startsWith("idempotencyKey");
        }
    }

    @Test
    void fromPartnerOnSeededMutationsOfTheCorpus() {
        BoundedFuzz.run(IdempotencyKeyFuzzTest.class, "fromPartner", BoundedFuzz.seed(), BoundedFuzz.DOMAIN_EXECUTIONS, this::fromPartner);
    }
}
