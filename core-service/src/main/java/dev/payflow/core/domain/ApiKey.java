package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** A partner's API key as stored: never the secret, only its display prefix. */
public record ApiKey(
        String id,
        String partnerId,
        String name,
        boolean livemode,
        String prefix,
        PermissionGrant grant,
        Instant createdAt,
        Optional<Instant> revokedAt,
        Optional<Instant> expiresAt,
        Optional<String> rolledTo,
        Optional<KeyRateLimit> rateLimit) {

    public ApiKey {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(rateLimit, "rateLimit");
    }

    /** The permissions the key holds in this version of PayFlow. */
    public Set<Permission> permissions() {
        return grant.effective();
    }

    public boolean isRevoked() {
        return revokedAt.isPresent();
    }

    /** True once the key's grace period after a roll is over: it is refused as a revoked key is. */
    public boolean isExpiredAt(Instant now) {
        return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
    }

    public boolean isRolled() {
        return rolledTo.isPresent();
    }
}
