package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;

/** A one-time link to a gateway's onboarding of a connected account, and when it stops working. */
public record OnboardingLink(String url, Instant expiresAt) {
    public OnboardingLink {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
