package dev.payflow.core.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * PayPal's settings, read from the environment (see README.md's configuration table). A mode has
 * PayPal when both its client id and secret are set; a payment that names {@code paypal} in a mode
 * without it answers GATEWAY_NOT_CONFIGURED.
 *
 * @param apiBase              another API base than PayPal's (development only: tests, a local fake);
 *                             the SDK has no base-URL setting, so its HTTP client is routed there
 * @param webhookIdTest        the id of the webhook PayPal gave the sandbox app (its events are verified with it)
 * @param settlementCurrencies the currencies PayPal settles without conversion for the account; live payments in others are refused
 */
public record PayPalConfig(Optional<String> clientIdTest, Optional<String> clientSecretTest, Optional<String> clientIdLive,
        Optional<String> clientSecretLive, Optional<String> webhookIdTest, Optional<String> webhookIdLive, Optional<String> apiBase,
        Set<String> settlementCurrencies) {

    public static final Set<String> SETTLEMENT_CURRENCIES_DEFAULT = Set.of("USD");

    /** No PayPal in either mode. */
    public static final PayPalConfig NONE = new PayPalConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), SETTLEMENT_CURRENCIES_DEFAULT);

    public PayPalConfig {
        Objects.requireNonNull(clientIdTest, "clientIdTest");
        Objects.requireNonNull(clientSecretTest, "clientSecretTest");
        Objects.requireNonNull(clientIdLive, "clientIdLive");
        Objects.requireNonNull(clientSecretLive, "clientSecretLive");
        Objects.requireNonNull(webhookIdTest, "webhookIdTest");
        Objects.requireNonNull(webhookIdLive, "webhookIdLive");
        Objects.requireNonNull(apiBase, "apiBase");
        settlementCurrencies = Set.copyOf(settlementCurrencies);
        if (clientIdTest.isPresent() != clientSecretTest.isPresent()) {
            throw new PayflowConfig.ConfigException("PAYFLOW_PAYPAL_CLIENT_ID_TEST and PAYFLOW_PAYPAL_CLIENT_SECRET_TEST: set both or neither");
        }
        if (clientIdLive.isPresent() != clientSecretLive.isPresent()) {
            throw new PayflowConfig.ConfigException("PAYFLOW_PAYPAL_CLIENT_ID_LIVE and PAYFLOW_PAYPAL_CLIENT_SECRET_LIVE: set both or neither");
        }
        apiBase.ifPresent(base -> {
            if (!base.startsWith("http://") && !base.startsWith("https://")) {
                throw new PayflowConfig.ConfigException("PAYFLOW_PAYPAL_API_BASE: '" + base + "' (expected: an http(s) URL)");
            }
        });
        if (settlementCurrencies.isEmpty()) {
            throw new PayflowConfig.ConfigException("PAYFLOW_PAYPAL_SETTLEMENT_CURRENCIES: empty (expected: ISO 4217 codes, e.g. USD,EUR)");
        }
        for (String code : settlementCurrencies) {
            if (!code.matches("[A-Z]{3}")) {
                throw new PayflowConfig.ConfigException("PAYFLOW_PAYPAL_SETTLEMENT_CURRENCIES: '" + code + "' (expected: ISO 4217 codes, e.g. USD,EUR)");
            }
        }
    }

    /** Reads the PAYFLOW_PAYPAL_* variables; another API base is refused outside development. */
    public static PayPalConfig fromEnvironment(Map<String, String> env, PayflowConfig.DeploymentEnvironment environment) {
        Optional<String> apiBase = text(env, "PAYFLOW_PAYPAL_API_BASE");
        if (apiBase.isPresent() && environment != PayflowConfig.DeploymentEnvironment.DEVELOPMENT) {
            throw new PayflowConfig.ConfigException("PAYFLOW_PAYPAL_API_BASE is allowed only when PAYFLOW_ENVIRONMENT=development");
        }
        return new PayPalConfig(text(env, "PAYFLOW_PAYPAL_CLIENT_ID_TEST"), text(env, "PAYFLOW_PAYPAL_CLIENT_SECRET_TEST"),
                text(env, "PAYFLOW_PAYPAL_CLIENT_ID_LIVE"), text(env, "PAYFLOW_PAYPAL_CLIENT_SECRET_LIVE"),
                text(env, "PAYFLOW_PAYPAL_WEBHOOK_ID_TEST"), text(env, "PAYFLOW_PAYPAL_WEBHOOK_ID_LIVE"), apiBase,
                text(env, "PAYFLOW_PAYPAL_SETTLEMENT_CURRENCIES").map(value -> Arrays.stream(value.split(",")).map(String::trim)
                        .filter(code -> !code.isEmpty()).map(code -> code.toUpperCase(Locale.ROOT)).collect(Collectors.toSet()))
                        .orElse(SETTLEMENT_CURRENCIES_DEFAULT));
    }

    /** The same settings with sandbox credentials and another API base: the tests' fake PayPal. */
    public PayPalConfig withSandboxAt(String clientId, String clientSecret, String webhookId, String base) {
        return new PayPalConfig(Optional.of(clientId), Optional.of(clientSecret), clientIdLive, clientSecretLive, Optional.of(webhookId),
                webhookIdLive, Optional.of(base), settlementCurrencies);
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }
}
