package dev.payflow.core.domain;

import java.util.List;
import java.util.Optional;

/** The status of a connected account, derived from what the gateway says of it, in one place. */
public enum ConnectedAccountStatus {
    PENDING("pending"),
    RESTRICTED("restricted"),
    ACTIVE("active"),
    DISABLED("disabled");

    private final String wireName;

    ConnectedAccountStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<ConnectedAccountStatus> fromWireName(String text) {
        for (ConnectedAccountStatus status : values()) {
            if (status.wireName.equals(text)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }

    /**
     * In this order: {@code disabled} if disconnected or the gateway gives a disabled reason; else
     * {@code restricted} if anything is currently due or past due; else {@code active} if charges
     * and payouts are both enabled; else {@code pending}.
     */
    public static ConnectedAccountStatus derive(boolean disconnected, Optional<String> disabledReason, List<String> currentlyDue,
            List<String> pastDue, boolean chargesEnabled, boolean payoutsEnabled) {
        if (disconnected || disabledReason.filter(reason -> !reason.isBlank()).isPresent()) {
            return DISABLED;
        }
        if (!currentlyDue.isEmpty() || !pastDue.isEmpty()) {
            return RESTRICTED;
        }
        if (chargesEnabled && payoutsEnabled) {
            return ACTIVE;
        }
        return PENDING;
    }
}
