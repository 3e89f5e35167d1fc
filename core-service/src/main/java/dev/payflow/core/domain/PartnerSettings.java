package dev.payflow.core.domain;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What an operator sets per partner.
 *
 * @param platformFeeBasisPoints the platform's fee on a payment routed to a connected account, 0..10000 (1000 = 10 %)
 * @param rateLimitPerSecond requests per second the partner may make per mode; empty: the configured default
 * @param rateLimitBurst how many requests the partner may make at once above that rate; empty: the configured default
 * @param enabledProviders the providers the partner's payments may go through, in the order of {@link #PROVIDERS}
 * @param defaultProvider where a payment that names no provider goes, one of the enabled providers
 * @param fallbackProvider where such a payment goes while its provider's circuit breaker is open; empty: nowhere
 */
public record PartnerSettings(int platformFeeBasisPoints, OptionalInt rateLimitPerSecond, OptionalInt rateLimitBurst,
        List<String> enabledProviders, String defaultProvider, Optional<String> fallbackProvider) {
    public static final int PLATFORM_FEE_BASIS_POINTS_DEFAULT = 1000;
    public static final int PLATFORM_FEE_BASIS_POINTS_MAX = 10_000;
    /** Far above what one primary can commit; a guard against typing mistakes, not a capacity. */
    public static final int RATE_LIMIT_MAX = 1_000_000;

    /**
     * The providers a partner may choose among, in their fixed order. {@code stripe} stands for the
     * mode's default provider (Stripe, or the simulated one in sandbox without a Stripe key), as it
     * did before partners chose.
     */
    public static final List<String> PROVIDERS = List.of("stripe", "paypal");
    /** Both, as every partner could use before the setting existed (each only where it is configured). */
    public static final List<String> ENABLED_PROVIDERS_DEFAULT = PROVIDERS;
    public static final String DEFAULT_PROVIDER_DEFAULT = "stripe";

    public static final PartnerSettings DEFAULTS = new PartnerSettings(PLATFORM_FEE_BASIS_POINTS_DEFAULT, OptionalInt.empty(),
            OptionalInt.empty());

    public PartnerSettings {
        if (platformFeeBasisPoints < 0 || platformFeeBasisPoints > PLATFORM_FEE_BASIS_POINTS_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "platformFeeBasisPoints: %d (expected: 0..%d)",
                    platformFeeBasisPoints, PLATFORM_FEE_BASIS_POINTS_MAX);
        }
        requireRate(rateLimitPerSecond, "rateLimitPerSecond");
        requireRate(rateLimitBurst, "rateLimitBurst");
        enabledProviders = enabledProviders(enabledProviders);
        Objects.requireNonNull(defaultProvider, "defaultProvider");
        Objects.requireNonNull(fallbackProvider, "fallbackProvider");
        requireProvider(defaultProvider, "defaultProvider");
        if (!enabledProviders.contains(defaultProvider)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "defaultProvider: %s is not among enabledProviders %s",
                    defaultProvider, enabledProviders);
        }
        if (fallbackProvider.isPresent()) {
            String fallback = fallbackProvider.get();
            requireProvider(fallback, "fallbackProvider");
            if (fallback.equals(defaultProvider)) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "fallbackProvider: %s is the defaultProvider (expected: another provider)",
                        fallback);
            }
            if (!enabledProviders.contains(fallback)) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "fallbackProvider: %s is not among enabledProviders %s", fallback,
                        enabledProviders);
            }
        }
    }

    /** Settings without a choice of providers: both enabled, {@code stripe} the default, no fallback. */
    public PartnerSettings(int platformFeeBasisPoints, OptionalInt rateLimitPerSecond, OptionalInt rateLimitBurst) {
        this(platformFeeBasisPoints, rateLimitPerSecond, rateLimitBurst, ENABLED_PROVIDERS_DEFAULT, DEFAULT_PROVIDER_DEFAULT,
                Optional.empty());
    }

    /** Whether the partner's payments may go through this provider ({@code stripe} or {@code paypal}). */
    public boolean enables(String provider) {
        return enabledProviders.contains(provider);
    }

    /** Checks the names and puts them in the fixed order, so that equal settings are stored alike. */
    private static List<String> enabledProviders(List<String> names) {
        Objects.requireNonNull(names, "enabledProviders");
        if (names.isEmpty()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "enabledProviders: empty (expected: at least one of %s)", PROVIDERS);
        }
        for (String name : names) {
            requireProvider(name, "enabledProviders");
        }
        if (names.stream().distinct().count() != names.size()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "enabledProviders: %s names a provider twice", names);
        }
        return PROVIDERS.stream().filter(names::contains).toList();
    }

    private static void requireProvider(String name, String field) {
        if (!PROVIDERS.contains(name)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: %s (expected one of: %s)", field, Strings.forMessage(name),
                    String.join(", ", PROVIDERS));
        }
    }

    private static void requireRate(OptionalInt value, String field) {
        if (value.isPresent() && (value.getAsInt() < 1 || value.getAsInt() > RATE_LIMIT_MAX)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: %d (expected: 1..%d)", field, value.getAsInt(), RATE_LIMIT_MAX);
        }
    }
}
