package dev.payflow.core.domain;

import java.util.Locale;

/** A hold's lifecycle: pending, then exactly one of the three resolutions, which are final. */
public enum HoldStatus {
    PENDING,
    CAPTURED,
    VOIDED,
    EXPIRED;

    public boolean isResolved() {
        return this != PENDING;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HoldStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
