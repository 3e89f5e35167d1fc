package dev.payflow.core.domain;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** What an API key may do; the wire names are those of the contract ("wallets:read"). */
public enum Permission {
    WALLETS_READ("wallets:read"),
    WALLETS_WRITE("wallets:write"),
    TRANSACTIONS_READ("transactions:read"),
    TRANSACTIONS_WRITE("transactions:write"),
    TRANSFERS_WRITE("transfers:write"),
    PAYOUTS_READ("payouts:read"),
    PAYOUTS_WRITE("payouts:write"),
    WEBHOOKS_READ("webhooks:read"),
    WEBHOOKS_WRITE("webhooks:write");

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
