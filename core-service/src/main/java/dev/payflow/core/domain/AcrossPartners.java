package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What an operator's list across partners is narrowed to: optionally one partner, one mode and a
 * window of creation times [createdFrom, createdTo). Operators only: a partner key never reaches a
 * list that is not scoped by {@link PartnerScope}.
 */
public record AcrossPartners(Optional<String> partnerId, Optional<Boolean> livemode, Optional<Instant> createdFrom,
        Optional<Instant> createdTo) {
    /** Gateway names are short words (`stripe`, `paypal`, `simulated`); a longer filter cannot match one. */
    public static final int PROVIDER_LENGTH_MAX = 32;

    public AcrossPartners {
        Objects.requireNonNull(partnerId, "partnerId");
        Objects.requireNonNull(livemode, "livemode");
        Objects.requireNonNull(createdFrom, "createdFrom");
        Objects.requireNonNull(createdTo, "createdTo");
        if (createdFrom.isPresent() && createdTo.isPresent() && !createdFrom.get().isBefore(createdTo.get())) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "createdFrom: %s is not before createdTo: %s", createdFrom.get(), createdTo.get());
        }
    }

    /** The mode an operator names: `sandbox`, `production`, or empty for both. */
    public static Optional<Boolean> livemode(String environment) {
        return switch (environment) {
            case "" -> Optional.empty();
            case "sandbox" -> Optional.of(false);
            case "production" -> Optional.of(true);
            default -> throw PayflowException.of(ErrorReason.INVALID_FIELD, "environment: %s (expected: sandbox, production or empty)",
                    Strings.forMessage(environment));
        };
    }

    /** An optional provider filter, checked for length so it cannot be a statement's worth of text. */
    public static Optional<String> provider(String provider) {
        if (provider.length() > PROVIDER_LENGTH_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "provider: %d characters (expected: at most %d)", provider.length(),
                    PROVIDER_LENGTH_MAX);
        }
        return provider.isEmpty() ? Optional.empty() : Optional.of(provider);
    }

    /** A canonical text of the filters, for page tokens. */
    public String key() {
        return partnerId.orElse("") + "|" + livemode.map(String::valueOf).orElse("") + "|" + createdFrom.map(Instant::toString).orElse("") + "|"
                + createdTo.map(Instant::toString).orElse("");
    }
}
