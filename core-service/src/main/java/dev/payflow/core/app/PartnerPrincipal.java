package dev.payflow.core.app;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.Permission;
import java.util.Set;

/** The authenticated caller of a partner API call: whose data it may see, in which environment (livemode), with which key. */
public record PartnerPrincipal(PartnerScope scope, String apiKeyId, Set<Permission> permissions) {
    public PartnerPrincipal {
        permissions = Set.copyOf(permissions);
    }
}
