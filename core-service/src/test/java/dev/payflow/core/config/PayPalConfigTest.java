package dev.payflow.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PAYFLOW_PAYPAL_* variables: read as given, refused when half a credential or a fake base in production. */
class PayPalConfigTest {

    @Test
    void theSandboxCredentialsTheWebhookIdsAndTheCurrenciesAreReadAsGiven() {
        PayPalConfig config = PayflowConfig.fromEnvironment(Map.of("PAYFLOW_PAYPAL_CLIENT_ID_TEST", "client", "PAYFLOW_PAYPAL_CLIENT_SECRET_TEST",
                "secret", "PAYFLOW_PAYPAL_WEBHOOK_ID_TEST", "WH-1", "PAYFLOW_PAYPAL_API_BASE", "http://localhost:1234",
                "PAYFLOW_PAYPAL_SETTLEMENT_CURRENCIES", "usd, eur")).paypal();

        assertThat(config.clientIdTest()).contains("client");
        assertThat(config.clientSecretTest()).contains("secret");
        assertThat(config.clientIdLive()).isEmpty();
        assertThat(config.webhookIdTest()).contains("WH-1");
        assertThat(config.apiBase()).contains("http://localhost:1234");
        assertThat(config.settlementCurrencies()).isEqualTo(Set.of("USD", "EUR"));
    }

    @Test
    void withoutAnyVariableThereIsNoPayPalInEitherMode() {
        assertThat(PayflowConfig.fromEnvironment(Map.of()).paypal()).isEqualTo(PayPalConfig.NONE);
    }

    @Test
    void aClientIdWithoutItsSecretIsRefused() {
        assertThatThrownBy(() -> PayPalConfig.fromEnvironment(Map.of("PAYFLOW_PAYPAL_CLIENT_ID_LIVE", "client"),
                PayflowConfig.DeploymentEnvironment.DEVELOPMENT))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_PAYPAL_CLIENT_SECRET_LIVE");
    }

    @Test
    void anotherApiBaseIsRefusedOutsideDevelopment() {
        assertThatThrownBy(() -> PayPalConfig.fromEnvironment(Map.of("PAYFLOW_PAYPAL_API_BASE", "http://localhost:1234"),
                PayflowConfig.DeploymentEnvironment.PRODUCTION))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("development");
        assertThatThrownBy(() -> new PayPalConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("localhost:1234"), Set.of("USD")))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining("PAYFLOW_PAYPAL_API_BASE");
    }
}
