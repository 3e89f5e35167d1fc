package dev.payflow.core.domain;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What an API key may do; the wire names are those of the contract ("wallets:read"). Some exist
 * before the RPCs that need them (payments, connect, exports), so keys issued today need no
 * re-issue when those arrive. Adding one is safe for existing keys: a key issued with all
 * permissions stores that grant, not a list (see {@link PermissionGrant}).
 */
public enum Permission {
    WALLETS_READ("wallets:read"),
    WALLETS_WRITE("wallets:write"),
    TRANSACTIONS_READ("transactions:read"),
    TRANSACTIONS_WRITE("transactions:write"),
    TRANSFERS_WRITE("transfers:write"),
    PAYOUTS_READ("payouts:read"),
    PAYOUTS_WRITE("payouts:write"),
    WEBHOOKS_READ("webhooks:read"),
    WEBHOOKS_WRITE("webhooks:write"),
    PAYMENTS_READ("payments:read"),
    PAYMENTS_WRITE("payments:write"),
    CONNECT_READ("connect:read"),
    CONNECT_WRITE("connect:write"),
    EXPORTS_READ("exports:read");

    private final String wireName;

    Permission(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<Permission> fromWireName(String name) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(name)).findFirst();
    }

    public static Set<Permission> all() {
        return EnumSet.allOf(Permission.class);
    }
}
