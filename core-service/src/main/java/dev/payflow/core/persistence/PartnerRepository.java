package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PARTNERS;
import static dev.payflow.core.persistence.jooq.Tables.PARTNER_STATUS_CHANGES;

import dev.payflow.core.domain.Partner;
import dev.payflow.core.domain.PartnerSettings;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.persistence.jooq.tables.records.PartnersRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** Partners and their status history. Admin-only data: not scoped to a partner. */
public final class PartnerRepository {

    /** Inserts a partner; false if the email is taken (the unique constraint decides, not a prior read). */
    public boolean insert(DSLContext tx, Partner partner) {
        int inserted = tx.insertInto(PARTNERS)
                .set(PARTNERS.ID, partner.id())
                .set(PARTNERS.NAME, partner.name())
                .set(PARTNERS.COMPANY_NAME, partner.companyName())
                .set(PARTNERS.EMAIL, partner.email())
                .set(PARTNERS.CONTACT_PERSON, partner.contactPerson())
                .set(PARTNERS.BUSINESS_TYPE, partner.businessType())
                .set(PARTNERS.WEBHOOK_URL, partner.webhookUrl())
                .set(PARTNERS.STATUS, partner.status().wireName())
                .set(PARTNERS.METADATA, JSONB.valueOf(partner.metadataJson()))
                .set(PARTNERS.CREATED_AT, Timestamps.toColumn(partner.createdAt()))
                .set(PARTNERS.UPDATED_AT, Timestamps.toColumn(partner.updatedAt()))
                .set(PARTNERS.PLATFORM_FEE_BASIS_POINTS, partner.settings().platformFeeBasisPoints())
                .set(PARTNERS.RATE_LIMIT_PER_SECOND, nullable(partner.settings().rateLimitPerSecond()))
                .set(PARTNERS.RATE_LIMIT_BURST, nullable(partner.settings().rateLimitBurst()))
                .set(PARTNERS.ENABLED_PROVIDERS, String.join(",", partner.settings().enabledProviders()))
                .set(PARTNERS.DEFAULT_PROVIDER, partner.settings().defaultProvider())
                .set(PARTNERS.FALLBACK_PROVIDER, partner.settings().fallbackProvider().orElse(null))
                .onConflict(PARTNERS.EMAIL).doNothing()
                .execute();
        return inserted == 1;
    }

    public Optional<Partner> find(DSLContext tx, String id) {
        return tx.selectFrom(PARTNERS).where(PARTNERS.ID.eq(id)).fetchOptional().map(r -> toPartner(r, history(tx, id)));
    }

    /**
     * The partner's row, locked until the transaction ends, so status changes happen one at a
     * time. FOR NO KEY UPDATE, not FOR UPDATE: the id never changes, and the KEY SHARE lock that
     * every money movement's foreign-key checks take on this row must not wait behind an operator.
     */
    public Optional<Partner> findForUpdate(DSLContext tx, String id) {
        return tx.selectFrom(PARTNERS).where(PARTNERS.ID.eq(id)).forNoKeyUpdate().fetchOptional().map(r -> toPartner(r, history(tx, id)));
    }

    public boolean exists(DSLContext tx, String id) {
        return tx.fetchExists(PARTNERS, PARTNERS.ID.eq(id));
    }

    public void changeStatus(DSLContext tx, String id, PartnerStatus from, PartnerStatus to, String reason, Instant now) {
        tx.update(PARTNERS)
                .set(PARTNERS.STATUS, to.wireName())
                .set(PARTNERS.UPDATED_AT, Timestamps.toColumn(now))
                .where(PARTNERS.ID.eq(id))
                .execute();
        tx.insertInto(PARTNER_STATUS_CHANGES)
                .set(PARTNER_STATUS_CHANGES.PARTNER_ID, id)
                .set(PARTNER_STATUS_CHANGES.FROM_STATUS, from.wireName())
                .set(PARTNER_STATUS_CHANGES.TO_STATUS, to.wireName())
                .set(PARTNER_STATUS_CHANGES.REASON, reason)
                .set(PARTNER_STATUS_CHANGES.CHANGED_AT, Timestamps.toColumn(now))
                .execute();
    }

    public void updateSettings(DSLContext tx, String id, PartnerSettings settings, Instant now) {
        tx.update(PARTNERS)
                .set(PARTNERS.PLATFORM_FEE_BASIS_POINTS, settings.platformFeeBasisPoints())
                .set(PARTNERS.RATE_LIMIT_PER_SECOND, nullable(settings.rateLimitPerSecond()))
                .set(PARTNERS.RATE_LIMIT_BURST, nullable(settings.rateLimitBurst()))
                .set(PARTNERS.ENABLED_PROVIDERS, String.join(",", settings.enabledProviders()))
                .set(PARTNERS.DEFAULT_PROVIDER, settings.defaultProvider())
                .set(PARTNERS.FALLBACK_PROVIDER, settings.fallbackProvider().orElse(null))
                .set(PARTNERS.UPDATED_AT, Timestamps.toColumn(now))
                .where(PARTNERS.ID.eq(id))
                .execute();
    }

    /** Newest first, after {@code afterId} if given; fetches one more than {@code limit} to tell if a next page exists. */
    public List<Partner> list(DSLContext tx, Optional<PartnerStatus> status, Optional<String> afterId, int limit) {
        Condition where = DSL.noCondition();
        if (status.isPresent()) {
            where = where.and(PARTNERS.STATUS.eq(status.get().wireName()));
        }
        if (afterId.isPresent()) {
            where = where.and(PARTNERS.ID.lt(afterId.get()));
        }
        List<PartnersRecord> rows = tx.selectFrom(PARTNERS).where(where).orderBy(PARTNERS.ID.desc()).limit(limit + 1).fetch();
        Map<String, List<Partner.StatusChange>> histories = histories(tx, rows.stream().map(PartnersRecord::getId).toList());
        return rows.stream().map(r -> toPartner(r, histories.getOrDefault(r.getId(), List.of()))).toList();
    }

    public Map<String, Long> countByStatus(DSLContext tx) {
        return tx.select(PARTNERS.STATUS, DSL.count())
                .from(PARTNERS)
                .groupBy(PARTNERS.STATUS)
                .fetchMap(r -> r.value1(), r -> r.value2().longValue());
    }

    private List<Partner.StatusChange> history(DSLContext tx, String partnerId) {
        return histories(tx, List.of(partnerId)).getOrDefault(partnerId, List.of());
    }

    private Map<String, List<Partner.StatusChange>> histories(DSLContext tx, List<String> partnerIds) {
        if (partnerIds.isEmpty()) {
            return Map.of();
        }
        return tx.selectFrom(PARTNER_STATUS_CHANGES)
                .where(PARTNER_STATUS_CHANGES.PARTNER_ID.in(partnerIds))
                .orderBy(PARTNER_STATUS_CHANGES.ID)
                .fetch()
                .stream()
                .collect(Collectors.groupingBy(r -> r.getPartnerId(), Collectors.mapping(r -> new Partner.StatusChange(
                        PartnerStatus.fromWireName(r.getFromStatus()),
                        PartnerStatus.fromWireName(r.getToStatus()),
                        r.getReason(),
                        Timestamps.fromColumn(r.getChangedAt())), Collectors.toList())));
    }

    private static Partner toPartner(PartnersRecord r, List<Partner.StatusChange> history) {
        return new Partner(r.getId(), r.getName(), r.getCompanyName(), r.getEmail(), r.getContactPerson(), r.getBusinessType(),
                r.getWebhookUrl(), PartnerStatus.fromWireName(r.getStatus()), r.getMetadata().data(), history,
                Timestamps.fromColumn(r.getCreatedAt()), Timestamps.fromColumn(r.getUpdatedAt()),
                new PartnerSettings(r.getPlatformFeeBasisPoints(), optionalInt(r.getRateLimitPerSecond()),
                        optionalInt(r.getRateLimitBurst()), List.of(r.getEnabledProviders().split(",")), r.getDefaultProvider(),
                        Optional.ofNullable(r.getFallbackProvider())));
    }

    private static Integer nullable(OptionalInt value) {
        return value.isPresent() ? value.getAsInt() : null;
    }

    private static OptionalInt optionalInt(Integer value) {
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }
}
