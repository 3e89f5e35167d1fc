package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/** A partner's API key as stored: never the secret, only its display prefix. */
public record ApiKey(
        String id,
        String partnerId,
        String name,
        boolean livemode,
        String prefix,
        Set<Permission> permissions,
        Instant createdAt,
        Optional<Instant> revokedAt) {

    public ApiKey {
        permissions = Set.copyOf(permissions);
    }

    public boolean isRevoked() {
        return revokedAt.isPresent();
    }
}
