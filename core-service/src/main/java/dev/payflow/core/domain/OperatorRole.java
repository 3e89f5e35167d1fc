package dev.payflow.core.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a PayFlow operator (our own team, never a partner) may do in the admin console. The roles
 * are ranked: each includes everything the ones before it may do.
 */
public enum OperatorRole {
    /** Reads partners, keys and statistics. */
    VIEWER("viewer"),
    /** Also acts on partners' behalf (status changes, support actions). */
    OPERATOR("operator"),
    /** Also issues and revokes credentials. */
    ADMIN("admin");

    private final String wireName;

    OperatorRole(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether an operator with this role may call an RPC that requires {@code required}. */
    public boolean includes(OperatorRole required) {
        return ordinal() >= required.ordinal();
    }

    public static Optional<OperatorRole> fromWireName(String name) {
        return Arrays.stream(values()).filter(role -> role.wireName.equals(name)).findFirst();
    }
}
