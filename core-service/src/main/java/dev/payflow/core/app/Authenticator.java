package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.persistence.ApiKeyRepository;
import dev.payflow.core.persistence.Database;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns presented credentials into a principal, or a failure with a stable reason. */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    private final Database database;
    private final ApiKeyRepository apiKeys;
    private final AdminTokens adminTokens;
    private final java.time.Clock clock;
    private final ApiKeyCache cache;
    private final java.util.function.Function<String, java.util.Optional<ApiKeyRepository.KeyWithPartnerStatus>> read;

    public Authenticator(Database database, ApiKeyRepository apiKeys, String adminToken) {
        this(database, apiKeys, adminToken, java.time.Clock.systemUTC());
    }

    /** Without a cache: every call reads the database. */
    public Authenticator(Database database, ApiKeyRepository apiKeys, String adminToken, java.time.Clock clock) {
        this(database, apiKeys, adminToken, clock, ApiKeyCache.disabled());
    }

    /**
     * @param cache what was read of keys, kept as fresh as the database (see {@link ApiKeyCache});
     *              the use cases that change keys and partners must drop from the same cache
     */
    public Authenticator(Database database, ApiKeyRepository apiKeys, String adminToken, java.time.Clock clock, ApiKeyCache cache) {
        this.database = database;
        this.apiKeys = apiKeys;
        this.adminTokens = AdminTokens.parse(Objects.requireNonNull(adminToken, "adminToken"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.read = keyHash -> this.apiKeys.findByHash(this.database.reader(), keyHash);
    }

    /**
     * The partner behind a presented API key. Revocation, a roll's expiry and suspension act at
     * once: the key's row comes from {@link ApiKeyCache}, which this replica's changes empty when
     * they commit and other replicas' changes empty when PostgreSQL announces them (and which is
     * bypassed while they cannot be heard); expiry is checked against the clock on every call.
     */
    public PartnerPrincipal authenticatePartner(String presentedKey) {
        boolean livemode = ApiKeySecrets.livemodeOf(presentedKey)
                .orElseThrow(Authenticator::invalidKey);
        ApiKeyRepository.KeyWithPartnerStatus found = cache.find(ApiKeySecrets.hash(presentedKey), read)
                .orElseThrow(Authenticator::invalidKey);
        if (found.key().isRevoked()) {
            // The caller hears what a never-issued key hears, so a leaked key is not confirmed as real; the log knows.
            LOG.info("refused revoked API key {} ({})", found.key().id(), found.key().prefix());
            throw invalidKey();
        }
        if (found.key().isExpiredAt(clock.instant())) {
            // A rolled key past its grace period: the same answer as a revoked key.
            LOG.info("refused expired API key {} ({})", found.key().id(), found.key().prefix());
            throw invalidKey();
        }
        if (found.key().livemode() != livemode) {
            throw new IllegalStateException("stored livemode of key " + found.key().id() + " disagrees with its prefix");
        }
        PartnerStatus status = found.partnerStatus();
        if (status == PartnerStatus.SUSPENDED) {
            throw PayflowException.of(ErrorReason.PARTNER_SUSPENDED, "the partner is suspended");
        }
        if (!status.allowsKeys(livemode)) {
            throw PayflowException.of(ErrorReason.PARTNER_NOT_ACTIVE, "the partner is %s; %s keys need an %s partner", status.wireName(),
                    livemode ? "production" : "sandbox", livemode ? "active" : "approved or active");
        }
        return new PartnerPrincipal(new PartnerScope(found.key().partnerId(), livemode), found.key().id(), found.key().permissions(),
                found.key().rateLimit());
    }

    private static PayflowException invalidKey() {
        return PayflowException.of(ErrorReason.INVALID_API_KEY, "the API key is not valid");
    }

    /** The name of the admin token presented (see {@link AdminTokens}); compared in constant time. */
    public String authenticateAdmin(String presentedToken) {
        if (ApiKeySecrets.livemodeOf(presentedToken).isPresent()) {
            throw PayflowException.of(ErrorReason.ADMIN_CREDENTIALS_REQUIRED, "partner API keys are not accepted on admin paths");
        }
        return adminTokens.nameOf(presentedToken)
                .orElseThrow(() -> PayflowException.of(ErrorReason.INVALID_ADMIN_TOKEN, "the admin token is not valid"));
    }
}
