package dev.payflow.core.domain;

import java.util.Objects;

/**
 * Whose data a call may see: one partner, in one environment (livemode). Every query of partner-owned data takes one;
 * objects of other partners, or of the other environment, simply do not exist for it.
 */
public record PartnerScope(String partnerId, boolean livemode) {
    public PartnerScope {
        if (!Ids.isValid(Objects.requireNonNull(partnerId, "partnerId"), IdPrefix.PARTNER)) {
            throw new IllegalArgumentException("partnerId: " + partnerId + " (expected: a ptn_ id)");
        }
    }
}
