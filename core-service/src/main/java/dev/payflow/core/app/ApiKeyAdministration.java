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

    public ApiKeyAdministration(Database database, Services services, PartnerRepository partners, ApiKeyRepository apiKeys) {
        this.database = database;
        this.services = services;
        this.partners = partners;
        this.apiKeys = apiKeys;
    }

    /** A newly issued key and its secret, which exists only in this object and the response that carries it. */
    public record IssuedKey(ApiKey key, String secret) {
    }

    /**
     * @param livemode    true for a production key (sk_live_), false for sandbox (sk_test_)
     * @param permissions empty for every permission, also those added in later versions
     */
    public IssuedKey issue(String partnerIdText, Optional<Boolean> livemode, String nameText, Set<Permission> permissions) {
        String partnerId = Ids.require(partnerIdText, IdPrefix.PARTNER, "partnerId");
        if (livemode.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "environment is required (expected: sandbox or production)");
        }
        String name = Fields.requiredFreeText(nameText, "name", Limits.NAME_LENGTH_MAX);
        ApiKeySecrets.Secret secret = ApiKeySecrets.generate(livemode.get(), services.random());
        ApiKey key = new ApiKey(services.ids().next(IdPrefix.API_KEY), partnerId, name, livemode.get(), secret.displayPrefix(),
                PermissionGrant.issued(permissions), services.now(), Optional.empty());
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
        return database.inTransaction(tx -> {
            apiKeys.findForUpdate(tx, keyId)
                    .orElseThrow(() -> PayflowException.of(ErrorReason.API_KEY_NOT_FOUND, "API key %s not found", keyId));
            apiKeys.revoke(tx, keyId, services.now());
            return apiKeys.findForUpdate(tx, keyId).orElseThrow();
        });
    }
}
