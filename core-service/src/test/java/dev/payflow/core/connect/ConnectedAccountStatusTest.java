package dev.payflow.core.connect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.ConnectedAccountStatus;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The status of a connected account, derived in the order: disabled, restricted, active, pending. */
class ConnectedAccountStatusTest {

    @ParameterizedTest(name = "disconnected={0} disabledReason={1} currentlyDue={2} pastDue={3} charges={4} payouts={5} -> {6}")
    @CsvSource({
            "true,  '',               false, false, true,  true,  DISABLED",
            "false, requirements.past_due, true, true, true, true, DISABLED",
            "false, '',               true,  false, true,  true,  RESTRICTED",
            "false, '',               false, true,  true,  true,  RESTRICTED",
            "false, '',               false, false, true,  true,  ACTIVE",
            "false, '',               false, false, true,  false, PENDING",
            "false, '',               false, false, false, true,  PENDING",
            "false, '',               false, false, false, false, PENDING",
    })
    void theStatusFollowsTheFirstRuleThatHolds(boolean disconnected, String disabledReason, boolean currentlyDue, boolean pastDue,
            boolean chargesEnabled, boolean payoutsEnabled, ConnectedAccountStatus expected) {
        assertThat(ConnectedAccountStatus.derive(disconnected, Optional.of(disabledReason), currentlyDue ? List.of("external_account") : List.of(),
                pastDue ? List.of("tos_acceptance.date") : List.of(), chargesEnabled, payoutsEnabled)).isEqualTo(expected);
    }
}
