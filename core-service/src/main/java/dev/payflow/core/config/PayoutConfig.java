package dev.payflow.core.config;

import java.util.Map;
import java.util.Optional;

/**
 * Payouts' settings, read from the environment (see README.md's configuration table).
 *
 * @param sandboxPayoutDelayMs how long a simulated payout (sandbox without a Stripe test key)
 *                             stays {@code in_transit} before it is {@code paid} or fails
 */
public record PayoutConfig(long sandboxPayoutDelayMs) {
    public static final long SANDBOX_PAYOUT_DELAY_MS_DEFAULT = 10_000;
    /** A day: a longer simulated transit only slows partners' tests down; real banks take one to three days. */
    public static final long SANDBOX_PAYOUT_DELAY_MS_MAX = 86_400_000;
    public static final PayoutConfig DEFAULTS = new PayoutConfig(SANDBOX_PAYOUT_DELAY_MS_DEFAULT);

    public PayoutConfig {
        if (sandboxPayoutDelayMs < 0 || sandboxPayoutDelayMs > SANDBOX_PAYOUT_DELAY_MS_MAX) {
            throw new PayflowConfig.ConfigException("PAYFLOW_SANDBOX_PAYOUT_DELAY_MS: " + sandboxPayoutDelayMs + " (expected: 0.."
                    + SANDBOX_PAYOUT_DELAY_MS_MAX + ")");
        }
    }

    public static PayoutConfig fromEnvironment(Map<String, String> env) {
        Optional<String> delay = Optional.ofNullable(env.get("PAYFLOW_SANDBOX_PAYOUT_DELAY_MS")).map(String::trim).filter(s -> !s.isEmpty());
        if (delay.isEmpty()) {
            return DEFAULTS;
        }
        try {
            return new PayoutConfig(Long.parseLong(delay.get()));
        } catch (NumberFormatException e) {
            throw new PayflowConfig.ConfigException("PAYFLOW_SANDBOX_PAYOUT_DELAY_MS: '" + delay.get() + "' (expected: a whole number of ms)");
        }
    }
}
