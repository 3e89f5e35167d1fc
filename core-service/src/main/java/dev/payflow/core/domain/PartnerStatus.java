package dev.payflow.core.domain;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A partner's lifecycle: pending -> approved -> active, with suspended and rejected. Sandbox keys
 * work for approved and active partners, production keys only for active ones.
 */
public enum PartnerStatus {
    PENDING,
    APPROVED,
    ACTIVE,
    SUSPENDED,
    REJECTED;

    public Set<PartnerStatus> allowedNext() {
        return switch (this) {
            case PENDING -> EnumSet.of(APPROVED, REJECTED);
            case APPROVED -> EnumSet.of(ACTIVE, SUSPENDED, REJECTED);
            case ACTIVE -> EnumSet.of(SUSPENDED);
            case SUSPENDED -> EnumSet.of(ACTIVE);
            case REJECTED -> EnumSet.noneOf(PartnerStatus.class);
        };
    }

    /** This status if it may move to {@code next}; INVALID_STATUS_TRANSITION naming the allowed ones otherwise. */
    public PartnerStatus requireTransitionTo(PartnerStatus next) {
        if (!allowedNext().contains(next)) {
            Set<PartnerStatus> allowed = allowedNext();
            throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "partner status cannot change from %s to %s (allowed: %s)",
                    wireName(), next.wireName(),
                    allowed.isEmpty() ? "none" : allowed.stream().map(PartnerStatus::wireName).collect(Collectors.joining(", ")));
        }
        return next;
    }

    public boolean allowsKeys(boolean livemode) {
        return livemode ? this == ACTIVE : this == ACTIVE || this == APPROVED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PartnerStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
