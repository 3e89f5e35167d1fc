package dev.payflow.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.domain.PayflowException;
import org.junit.jupiter.api.Test;

/** PAYFLOW_ADMIN_TOKEN as a list of named tokens, for rotating the admin token beside the old one. */
class AdminTokensTest {
    private static final String OLD = "old-secret-0123456789abcdefghijklmnopqrstuvwxyz";
    private static final String NEW = "new-secret-0123456789abcdefghijklmnopqrstuvwxyz";

    @Test
    void twoNamedTokensBothAuthenticateEachUnderItsName() {
        Authenticator authenticator = new Authenticator(null, null, "ci-2025:" + OLD + ", ci-2026:" + NEW);

        assertThat(authenticator.authenticateAdmin(OLD)).isEqualTo("ci-2025");
        assertThat(authenticator.authenticateAdmin(NEW)).isEqualTo("ci-2026");
        assertThatThrownBy(() -> authenticator.authenticateAdmin("ci-2025:" + OLD))
                .isInstanceOfSatisfying(PayflowException.class, e -> assertThat(e.reason().name()).isEqualTo("INVALID_ADMIN_TOKEN"));
    }

    @Test
    void aBareSecretKeepsWorkingAsTheTokenNamedDefault() {
        assertThat(AdminTokens.parse(OLD).nameOf(OLD)).contains("default");
        assertThat(AdminTokens.parse(OLD).nameOf(NEW)).isEmpty();
    }

    @Test
    void aShortSecretADuplicateNameOrAnEmptyEntryIsRefusedWithoutShowingTheSecret() {
        assertThatThrownBy(() -> AdminTokens.parse("ci:short-secret")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token ci: 12 characters").hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> AdminTokens.parse("ci:" + OLD + ",ci:" + NEW)).hasMessageContaining("ci is given twice")
                .hasMessageNotContaining(OLD);
        assertThatThrownBy(() -> AdminTokens.parse(OLD + ",")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdminTokens.parse("bad name:" + OLD)).hasMessageContaining("token name");
    }
}
