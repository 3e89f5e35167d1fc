package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.API_KEYS;
import static dev.payflow.core.persistence.jooq.Tables.PARTNERS;

import dev.payflow.core.domain.ApiKey;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.Permission;
import dev.payflow.core.domain.PermissionGrant;
import dev.payflow.core.persistence.jooq.tables.records.ApiKeysRecord;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;

/** API keys, stored as a SHA-256 hash and a display prefix. */
public final class ApiKeyRepository {

    /** A key together with its partner's current status, as authentication needs both. */
    public record KeyWithPartnerStatus(ApiKey key, PartnerStatus partnerStatus) {
    }

    public void insert(DSLContext tx, ApiKey key, String keyHashHex) {
        tx.insertInto(API_KEYS)
                .set(API_KEYS.ID, key.id())
                .set(API_KEYS.PARTNER_ID, key.partnerId())
                .set(API_KEYS.NAME, key.name())
                .set(API_KEYS.LIVEMODE, key.livemode())
                .set(API_KEYS.KEY_HASH, keyHashHex)
                .set(API_KEYS.PREFIX, key.prefix())
                .set(API_KEYS.ALL_PERMISSIONS, key.grant().all())
                .set(API_KEYS.PERMISSIONS, key.grant().named().stream().map(Permission::wireName).sorted().toArray(String[]::new))
                .set(API_KEYS.CREATED_AT, Timestamps.toColumn(key.createdAt()))
                .set(API_KEYS.RATE_LIMIT_PER_SECOND, key.rateLimit().map(dev.payflow.core.domain.KeyRateLimit::perSecond).orElse(null))
                .set(API_KEYS.RATE_LIMIT_BURST, key.rateLimit().map(dev.payflow.core.domain.KeyRateLimit::burst).orElse(null))
                .execute();
    }

    /** One indexed read per call, so a revocation or suspension takes effect on the very next call. */
    public Optional<KeyWithPartnerStatus> findByHash(DSLContext tx, String keyHashHex) {
        return tx.select(API_KEYS.fields())
                .select(PARTNERS.STATUS)
                .from(API_KEYS)
                .join(PARTNERS).on(PARTNERS.ID.eq(API_KEYS.PARTNER_ID))
                .where(API_KEYS.KEY_HASH.eq(keyHashHex))
                .fetchOptional()
                .map(r -> new KeyWithPartnerStatus(toApiKey(r.into(API_KEYS)), PartnerStatus.fromWireName(r.get(PARTNERS.STATUS))));
    }

    public Optional<ApiKey> findForUpdate(DSLContext tx, String id) {
        return tx.selectFrom(API_KEYS).where(API_KEYS.ID.eq(id)).forUpdate().fetchOptional().map(ApiKeyRepository::toApiKey);
    }

    public List<ApiKey> listForPartner(DSLContext tx, String partnerId) {
        return tx.selectFrom(API_KEYS).where(API_KEYS.PARTNER_ID.eq(partnerId)).orderBy(API_KEYS.ID.desc()).fetch(ApiKeyRepository::toApiKey);
    }

    public void revoke(DSLContext tx, String id, Instant now) {
        tx.update(API_KEYS).set(API_KEYS.REVOKED_AT, Timestamps.toColumn(now)).where(API_KEYS.ID.eq(id)).and(API_KEYS.REVOKED_AT.isNull()).execute();
    }

    /** Marks a key as rolled: it names its successor and stops working at {@code expiresAt}. */
    public void markRolled(DSLContext tx, String id, String successorId, Instant expiresAt) {
        tx.update(API_KEYS).set(API_KEYS.ROLLED_TO, successorId).set(API_KEYS.EXPIRES_AT, Timestamps.toColumn(expiresAt))
                .where(API_KEYS.ID.eq(id)).and(API_KEYS.ROLLED_TO.isNull()).execute();
    }

    public long countActive(DSLContext tx) {
        return tx.fetchCount(API_KEYS, API_KEYS.REVOKED_AT.isNull());
    }

    private static ApiKey toApiKey(ApiKeysRecord r) {
        PermissionGrant grant;
        if (r.getAllPermissions()) {
            grant = PermissionGrant.allPermissions();
        } else {
            // A name this version does not know (written by a newer one) grants nothing here.
            Set<Permission> named = EnumSet.noneOf(Permission.class);
            Arrays.stream(r.getPermissions()).map(Permission::fromWireName).flatMap(Optional::stream).forEach(named::add);
            grant = new PermissionGrant(false, named);
        }
        return new ApiKey(r.getId(), r.getPartnerId(), r.getName(), r.getLivemode(), r.getPrefix(), grant,
                Timestamps.fromColumn(r.getCreatedAt()), Optional.ofNullable(Timestamps.fromColumn(r.getRevokedAt())),
                Optional.ofNullable(Timestamps.fromColumn(r.getExpiresAt())), Optional.ofNullable(r.getRolledTo()),
                r.getRateLimitPerSecond() == null ? Optional.empty()
                        : Optional.of(new dev.payflow.core.domain.KeyRateLimit(r.getRateLimitPerSecond(), r.getRateLimitBurst())));
    }
}
