package dev.payflow.core.domain;

import java.time.Instant;
import java.util.List;

/** A company that builds on PayFlow, with its status history, oldest change first, and its operator-set settings. */
public record Partner(
        String id,
        String name,
        String companyName,
        String email,
        String contactPerson,
        String businessType,
        String webhookUrl,
        PartnerStatus status,
        String metadataJson,
        List<StatusChange> statusHistory,
        Instant createdAt,
        Instant updatedAt,
        PartnerSettings settings) {

    public Partner {
        statusHistory = List.copyOf(statusHistory);
    }

    /** One recorded change of status: from what, to what, why and when. */
    public record StatusChange(PartnerStatus from, PartnerStatus to, String reason, Instant changedAt) {
    }
}
