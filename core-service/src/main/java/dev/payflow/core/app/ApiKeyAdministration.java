package dev.payflow.core.app;

import dev.payflow.core.domain.ApiKey;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Partner;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Permission;
import dev.payflow.core.domain.PermissionGrant;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PartnerRepository;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Issuing, listing and revoking partners' API keys (operators only). */
public final class ApiKeyAdministration {
    private final Database database;
    private final Services services;
    private final PartnerRepository partners;
    private final ApiKeyRepository apiKeys;
    private final ApiKeyCache cache;

    public ApiKeyAdministration(Database database, Services services, PartnerRepository partners, ApiKeyRepository apiKeys) {
        this(database, services, partners, apiKeys, ApiKeyCache.disabled());
    }

    /** @param cache the authenticator's cache, from which a revoked or rolled key is dropped once the change commits */
    public ApiKeyAdministration(Database database, Services services, PartnerRepository partners, ApiKeyRepository apiKeys, ApiKeyCache cache) {
        this.database = database;
        this.services = services;
        this.partners = partners;
        this.apiKeys = apiKeys;
        this.cache = java.util.Objects.requireNonNull(cache, "cache");
    }

    /** A newly issued key and its secret, which exists only in this object and the response that carries it. */
    public record IssuedKey(ApiKey key, String secret) {
    }

    /**
     * @param livemode    true for a production key (sk_live_), false for sandbox (sk_test_)
     * @param permissions empty for every permission, also those added in later versions
     * @param reasonText  why the key is issued, for the audit trail (required)
     */
    public IssuedKey issue(String partnerIdText, Optional<Boolean> livemode, String nameText, Set<Permission> permissions, String reasonText) {
        return issue(partnerIdText, livemode, nameText, permissions, reasonText, Optional.empty());
    }

    /**
     * As {@link #issue(String, Optional, String, Set, String)}, with the key's own rate limit
     * (on top of the partner's), if any.
     */
    public IssuedKey issue(String partnerIdText, Optional<Boolean> livemode, String nameText, Set<Permission> permissions, String reasonText,
            Optional<dev.payflow.core.domain.KeyRateLimit> rateLimit) {
        String partnerId = Ids.require(partnerIdText, IdPrefix.PARTNER, "partnerId");
        if (livemode.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "environment is required (expected: sandbox or production)");
        }
        String name = Fields.requiredFreeText(nameText, "name", Limits.NAME_LENGTH_MAX);
        // Why the key exists goes to the audit trail (with the call); it is checked here so no key is issued without one.
        Fields.required(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        ApiKeySecrets.Secret secret = ApiKeySecrets.generate(livemode.get(), services.random());
        ApiKey key = new ApiKey(services.ids().next(IdPrefix.API_KEY), partnerId, name, livemode.get(), secret.displayPrefix(),
                PermissionGrant.issued(permissions), services.now(), Optional.empty(), Optional.empty(), Optional.empty(), rateLimit);
        return database.inTransaction(tx -> {
            Partner partner = partners.findForUpdate(tx, partnerId).orElseThrow(() -> PartnerAdministration.notFound(partnerId));
            if (partner.status() == PartnerStatus.REJECTED) {
                throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "partner %s is rejected; no keys can be issued", partnerId);
            }
            apiKeys.insert(tx, key, secret.hashHex());
            return new IssuedKey(key, secret.value());
        });
    }

    public List<ApiKey> list(String partnerIdText) {
        String partnerId = Ids.require(partnerIdText, IdPrefix.PARTNER, "partnerId");
        return database.inTransaction(tx -> {
            if (!partners.exists(tx, partnerId)) {
                throw PartnerAdministration.notFound(partnerId);
            }
            return apiKeys.listForPartner(tx, partnerId);
        });
    }

    /** Revokes a key; revoking a revoked key changes nothing and returns it as it is. */
    public ApiKey revoke(String keyIdText) {
        String keyId = Ids.require(keyIdText, IdPrefix.API_KEY, "keyId");
        ApiKey revoked = database.inTransaction(tx -> {
            apiKeys.findForUpdate(tx, keyId)
                    .orElseThrow(() -> PayflowException.of(ErrorReason.API_KEY_NOT_FOUND, "API key %s not found", keyId));
            apiKeys.revoke(tx, keyId, services.now());
            return apiKeys.findForUpdate(tx, keyId).orElseThrow();
        });
        // Committed: this replica's next call with the key reads the revocation (other replicas hear of it from PostgreSQL).
        cache.forgetKey(keyId);
        return revoked;
    }

    /** A roll's outcome: the key issued in place of the old one (its secret shown once), and the old key with its expiry. */
    public record RolledKey(IssuedKey successor, ApiKey previous) {
    }

    public static final int ROLL_GRACE_HOURS_DEFAULT = 24;
    public static final int ROLL_GRACE_HOURS_MAX = 168;

    /**
     * Issues a key with the same partner, name, environment and permissions as {@code keyIdText};
     * the old key keeps working for {@code expiresInHours} (default 24, 0 = stops at once) and then
     * is refused as a revoked key is. A key is rolled once: a rolled or revoked key cannot be.
     */
    public RolledKey roll(String keyIdText, java.util.OptionalInt expiresInHours) {
        String keyId = Ids.require(keyIdText, IdPrefix.API_KEY, "keyId");
        int hours = expiresInHours.orElse(ROLL_GRACE_HOURS_DEFAULT);
        if (hours < 0 || hours > ROLL_GRACE_HOURS_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "expiresInHours must be 0..%d (got %d)", ROLL_GRACE_HOURS_MAX, hours);
        }
        RolledKey rolled = database.inTransaction(tx -> {
            ApiKey old = apiKeys.findForUpdate(tx, keyId)
                    .orElseThrow(() -> PayflowException.of(ErrorReason.API_KEY_NOT_FOUND, "API key %s not found", keyId));
            java.time.Instant now = services.now();
            if (old.isRevoked() || old.isRolled() || old.isExpiredAt(now)) {
                throw PayflowException.of(ErrorReason.INVALID_STATUS_TRANSITION, "API key %s is already %s; only an active key can be rolled",
                        keyId, old.isRevoked() ? "revoked" : "rolled");
            }
            ApiKeySecrets.Secret secret = ApiKeySecrets.generate(old.livemode(), services.random());
            ApiKey successor = new ApiKey(services.ids().next(IdPrefix.API_KEY), old.partnerId(), old.name(), old.livemode(),
                    secret.displayPrefix(), old.grant(), now, Optional.empty(), Optional.empty(), Optional.empty(), old.rateLimit());
            apiKeys.insert(tx, successor, secret.hashHex());
            apiKeys.markRolled(tx, keyId, successor.id(), now.plus(java.time.Duration.ofHours(hours)));
            return new RolledKey(new IssuedKey(successor, secret.value()), apiKeys.findForUpdate(tx, keyId).orElseThrow());
        });
        // Committed: the old key's expiry (at once, with 0 hours) holds on this replica's next call.
        cache.forgetKey(keyId);
        return rolled;
    }
}
