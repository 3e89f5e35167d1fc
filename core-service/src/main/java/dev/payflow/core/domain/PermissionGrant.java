package dev.payflow.core.domain;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What an API key was granted: every permission (a key issued with none named), or the named ones.
 * "Every permission" is stored as such, never as the list that exists today, so a key keeps holding
 * everything as permissions are added in later versions. A grant of named permissions that names
 * none this version knows (written by a newer version) grants nothing.
 */
public record PermissionGrant(boolean all, Set<Permission> named) {
    private static final PermissionGrant ALL = new PermissionGrant(true, Set.of());

    public PermissionGrant {
        Objects.requireNonNull(named, "named");
        named = Set.copyOf(named);
        if (all && !named.isEmpty()) {
            throw new IllegalArgumentException("a grant of all permissions names none: named=" + named);
        }
    }

    public static PermissionGrant allPermissions() {
        return ALL;
    }

    /** The grant of a key issued with these permissions named: none named means all of them. */
    public static PermissionGrant issued(Set<Permission> named) {
        return named.isEmpty() ? ALL : new PermissionGrant(false, named);
    }

    /** The permissions the key holds in this version of PayFlow. */
    public Set<Permission> effective() {
        return all ? Permission.all() : EnumSet.copyOf(named);
    }
}
