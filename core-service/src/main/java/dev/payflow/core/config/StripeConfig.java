package dev.payflow.core.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Stripe's settings, read from the environment (see README.md's configuration table). A mode
 * without its secret key has no Stripe: sandbox then uses the simulated gateway, production answers
 * GATEWAY_NOT_CONFIGURED. Webhook secrets are lists so that a rotated secret and its successor are
 * both accepted for a while.
 *
 * @param apiBase              another Stripe API base than Stripe's own; development only (tests, a local fake)
 * @param settlementCurrencies the currencies Stripe settles without conversion for the account; live payments in others are refused
 * @param recoveryAfterMs      how long a payment may stay pending or processing before recovery asks Stripe about it
 */
public record StripeConfig(Optional<String> secretKeyTest, Optional<String> secretKeyLive, String publishableKeyTest,
        String publishableKeyLive, List<String> webhookSecretsTest, List<String> webhookSecretsLive, Optional<String> apiBase,
        Set<String> settlementCurrencies, long recoveryAfterMs) {

    /** A quarter of an hour: a webhook normally arrives within seconds, and Stripe retries missed ones for days. */
    public static final long RECOVERY_AFTER_MS_DEFAULT = 900_000;
    /** Recovery must wait at least a minute (a live call may still be answering), and at most a day (Stripe forgets keys after 24 h). */
    private static final long RECOVERY_AFTER_MS_MIN = 60_000;
    private static final long RECOVERY_AFTER_MS_MAX = 86_400_000;
    public static final Set<String> SETTLEMENT_CURRENCIES_DEFAULT = Set.of("USD");

    /** No Stripe in either mode. */
    public static final StripeConfig NONE = new StripeConfig(Optional.empty(), Optional.empty(), "", "", List.of(), List.of(),
            Optional.empty(), SETTLEMENT_CURRENCIES_DEFAULT, RECOVERY_AFTER_MS_DEFAULT);

    public StripeConfig {
        Objects.requireNonNull(secretKeyTest, "secretKeyTest");
        Objects.requireNonNull(secretKeyLive, "secretKeyLive");
        Objects.requireNonNull(publishableKeyTest, "publishableKeyTest");
        Objects.requireNonNull(publishableKeyLive, "publishableKeyLive");
        webhookSecretsTest = List.copyOf(webhookSecretsTest);
        webhookSecretsLive = List.copyOf(webhookSecretsLive);
        Objects.requireNonNull(apiBase, "apiBase");
        settlementCurrencies = Set.copyOf(settlementCurrencies);
        secretKeyTest.ifPresent(key -> requirePrefix("PAYFLOW_STRIPE_SECRET_KEY_TEST", key, "sk_test_", "rk_test_"));
        secretKeyLive.ifPresent(key -> requirePrefix("PAYFLOW_STRIPE_SECRET_KEY_LIVE", key, "sk_live_", "rk_live_"));
        if (settlementCurrencies.isEmpty()) {
            throw new PayflowConfig.ConfigException("PAYFLOW_STRIPE_SETTLEMENT_CURRENCIES: empty (expected: ISO 4217 codes, e.g. USD,EUR)");
        }
        for (String code : settlementCurrencies) {
            if (!code.matches("[A-Z]{3}")) {
                throw new PayflowConfig.ConfigException("PAYFLOW_STRIPE_SETTLEMENT_CURRENCIES: '" + code + "' (expected: ISO 4217 codes, e.g. USD,EUR)");
            }
        }
        if (recoveryAfterMs < RECOVERY_AFTER_MS_MIN || recoveryAfterMs > RECOVERY_AFTER_MS_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_RECOVERY_AFTER_MS: " + recoveryAfterMs + " (expected: " + RECOVERY_AFTER_MS_MIN + ".."
                    + RECOVERY_AFTER_MS_MAX + ")");
        }
    }

    /** Reads the PAYFLOW_STRIPE_* variables and PAYFLOW_RECOVERY_AFTER_MS; another API base is refused outside development. */
    public static StripeConfig fromEnvironment(Map<String, String> env, PayflowConfig.DeploymentEnvironment environment) {
        Optional<String> apiBase = text(env, "PAYFLOW_STRIPE_API_BASE");
        if (apiBase.isPresent() && environment != PayflowConfig.DeploymentEnvironment.DEVELOPMENT) {
            throw new PayflowConfig.ConfigException("PAYFLOW_STRIPE_API_BASE is allowed only when PAYFLOW_ENVIRONMENT=development");
        }
        long recoveryAfterMs;
        try {
            recoveryAfterMs = Long.parseLong(text(env, "PAYFLOW_RECOVERY_AFTER_MS").orElse(String.valueOf(RECOVERY_AFTER_MS_DEFAULT)));
        } catch (NumberFormatException e) {
            throw new PayflowConfig.ConfigException("PAYFLOW_RECOVERY_AFTER_MS: '" + env.get("PAYFLOW_RECOVERY_AFTER_MS") + "' (expected: an integer)");
        }
        return new StripeConfig(text(env, "PAYFLOW_STRIPE_SECRET_KEY_TEST"), text(env, "PAYFLOW_STRIPE_SECRET_KEY_LIVE"),
                text(env, "PAYFLOW_STRIPE_PUBLISHABLE_KEY_TEST").orElse(""), text(env, "PAYFLOW_STRIPE_PUBLISHABLE_KEY_LIVE").orElse(""),
                list(env, "PAYFLOW_STRIPE_WEBHOOK_SECRETS_TEST"), list(env, "PAYFLOW_STRIPE_WEBHOOK_SECRETS_LIVE"), apiBase,
                text(env, "PAYFLOW_STRIPE_SETTLEMENT_CURRENCIES").map(value -> Set.copyOf(list(value).stream()
                        .map(code -> code.toUpperCase(Locale.ROOT)).collect(Collectors.toSet()))).orElse(SETTLEMENT_CURRENCIES_DEFAULT),
                recoveryAfterMs);
    }

    /** The same settings with another API base and test key: the tests' fake Stripe. */
    public StripeConfig withTestKeyAt(String secretKey, String base) {
        return new StripeConfig(Optional.of(secretKey), secretKeyLive, publishableKeyTest, publishableKeyLive, webhookSecretsTest,
                webhookSecretsLive, Optional.of(base), settlementCurrencies, recoveryAfterMs);
    }

    private static void requirePrefix(String name, String key, String... prefixes) {
        if (Arrays.stream(prefixes).noneMatch(key::startsWith)) {
            throw new PayflowConfig.ConfigException(name + ": a key starting with " + String.join(" or ", prefixes) + " is expected");
        }
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static List<String> list(Map<String, String> env, String name) {
        return text(env, name).map(StripeConfig::list).orElse(List.of());
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
