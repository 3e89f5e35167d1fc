package dev.payflow.core.app;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Permission;
import java.util.Set;

/**
 * The authenticated caller of a partner API call: whose data it may see, in which environment
 * (livemode), with which key, and the key's own rate limit if it has one.
 */
public record PartnerPrincipal(PartnerScope scope, String apiKeyId, Set<Permission> permissions,
        java.util.Optional<dev.payflow.core.domain.KeyRateLimit> keyRateLimit) {
    public PartnerPrincipal {
        permissions = Set.copyOf(permissions);
        java.util.Objects.requireNonNull(keyRateLimit, "keyRateLimit");
    }

    public PartnerPrincipal(PartnerScope scope, String apiKeyId, Set<Permission> permissions) {
        this(scope, apiKeyId, permissions, java.util.Optional.empty());
    }
}
