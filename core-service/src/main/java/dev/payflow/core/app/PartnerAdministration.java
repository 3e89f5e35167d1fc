package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.Partner;
import dev.payflow.core.domain.PartnerSettings;
import dev.payflow.core.domain.PartnerStatus;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Strings;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.PartnerRepository;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/** Onboarding partners and moving them through their lifecycle (operators only). */
public final class PartnerAdministration {
    /** Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is checked by humans at review. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");

    private final Database database;
    private final Services services;
    private final PartnerRepository partners;
    private final boolean allowLocalWebhooks;
    private final ApiKeyCache keyCache;

    /**
     * @param allowLocalWebhooks whether plain-http webhook URLs to localhost are allowed (development only)
     */
    public PartnerAdministration(Database database, Services services, PartnerRepository partners, boolean allowLocalWebhooks) {
        this(database, services, partners, allowLocalWebhooks, ApiKeyCache.disabled());
    }

    /** @param keyCache the authenticator's cache, from which a changed partner's keys are dropped once the change commits */
    public PartnerAdministration(Database database, Services services, PartnerRepository partners, boolean allowLocalWebhooks,
            ApiKeyCache keyCache) {
        this.database = database;
        this.services = services;
        this.partners = partners;
        this.allowLocalWebhooks = allowLocalWebhooks;
        this.keyCache = Objects.requireNonNull(keyCache, "keyCache");
    }

    public record CreatePartner(String name, String companyName, String email, String contactPerson, String businessType,
            String webhookUrl, String metadataJson) {
    }

    public Partner create(CreatePartner command) {
        String name = Fields.requiredFreeText(command.name(), "name", Limits.NAME_LENGTH_MAX);
        String companyName = Fields.requiredFreeText(command.companyName(), "companyName", Limits.NAME_LENGTH_MAX);
        String email = Fields.required(command.email(), "email", Limits.EMAIL_LENGTH_MAX).trim().toLowerCase(Locale.ROOT);
        if (!EMAIL.matcher(email).matches()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "email: %s (expected: an email address)", Strings.forMessage(email));
        }
        String contactPerson = Fields.freeText(command.contactPerson(), "contactPerson", Limits.NAME_LENGTH_MAX);
        String businessType = Fields.freeText(command.businessType(), "businessType", Limits.NAME_LENGTH_MAX);
        String webhookUrl = validateWebhookUrl(Fields.optional(command.webhookUrl(), "webhookUrl", Limits.URL_LENGTH_MAX));
        Instant now = services.now();
        Partner partner = new Partner(services.ids().next(IdPrefix.PARTNER), name, companyName, email, contactPerson, businessType,
                webhookUrl, PartnerStatus.PENDING, command.metadataJson(), List.of(), now, now, PartnerSettings.DEFAULTS);
        return database.inTransaction(tx -> {
            if (!partners.insert(tx, partner)) {
                throw PayflowException.of(ErrorReason.PARTNER_ALREADY_EXISTS, "a partner with email %s already exists", email);
            }
            return partner;
        });
    }

    public Partner get(String id) {
        String partnerId = Ids.require(id, IdPrefix.PARTNER, "id");
        return partners.find(database.reader(), partnerId).orElseThrow(() -> notFound(partnerId));
    }

    public Page<Partner> list(int pageSize, String pageToken, Optional<PartnerStatus> status) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "partners|" + status.map(PartnerStatus::wireName).orElse(""));
        List<Partner> rows = partners.list(database.reader(), status, page.afterId(), page.size());
        return Pages.of(rows, page, Partner::id);
    }

    public Partner changeStatus(String id, PartnerStatus next, String reasonText) {
        String partnerId = Ids.require(id, IdPrefix.PARTNER, "id");
        if (next == null) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "status is required (expected: approved, active, suspended or rejected)");
        }
        String reason = Fields.requiredFreeText(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        Partner changed = database.inTransaction(tx -> {
            Partner current = partners.findForUpdate(tx, partnerId).orElseThrow(() -> notFound(partnerId));
            current.status().requireTransitionTo(next);
            partners.changeStatus(tx, partnerId, current.status(), next, reason, services.now());
            return partners.find(tx, partnerId).orElseThrow();
        });
        // Committed: a suspension stops the partner's keys on this replica's next call (other replicas hear of it from PostgreSQL).
        keyCache.forgetPartner(partnerId);
        return changed;
    }

    /**
     * What an operator changes of a partner's settings; an empty value leaves that setting as it is.
     * A rate limit of {@code 0} clears the partner's own limit, so the configured default applies again.
     * The provider settings are checked together once changed ({@link PartnerSettings}).
     *
     * @param enabledProviders the new list of enabled providers
     * @param defaultProvider  the new default provider
     * @param fallbackProvider the new fallback: a provider, or an empty one for none
     */
    public record SettingsChange(OptionalInt platformFeeBasisPoints, OptionalInt rateLimitPerSecond, OptionalInt rateLimitBurst,
            Optional<List<String>> enabledProviders, Optional<String> defaultProvider, Optional<Optional<String>> fallbackProvider) {
        public SettingsChange {
            Objects.requireNonNull(enabledProviders, "enabledProviders");
            Objects.requireNonNull(defaultProvider, "defaultProvider");
            Objects.requireNonNull(fallbackProvider, "fallbackProvider");
        }

        /** A change of the numeric settings only. */
        public SettingsChange(OptionalInt platformFeeBasisPoints, OptionalInt rateLimitPerSecond, OptionalInt rateLimitBurst) {
            this(platformFeeBasisPoints, rateLimitPerSecond, rateLimitBurst, Optional.empty(), Optional.empty(), Optional.empty());
        }

        boolean isEmpty() {
            return platformFeeBasisPoints.isEmpty() && rateLimitPerSecond.isEmpty() && rateLimitBurst.isEmpty() && enabledProviders.isEmpty()
                    && defaultProvider.isEmpty() && fallbackProvider.isEmpty();
        }
    }

    public Partner updateSettings(String id, SettingsChange change) {
        String partnerId = Ids.require(id, IdPrefix.PARTNER, "id");
        if (change.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "nothing to change (expected at least one of: platformFeeBasisPoints, "
                    + "rateLimitPerSecond, rateLimitBurst, enabledProviders, defaultProvider, fallbackProvider)");
        }
        Partner updated = database.inTransaction(tx -> {
            Partner current = partners.findForUpdate(tx, partnerId).orElseThrow(() -> notFound(partnerId));
            PartnerSettings was = current.settings();
            PartnerSettings next = new PartnerSettings(
                    change.platformFeeBasisPoints().orElse(was.platformFeeBasisPoints()),
                    replaceLimit(was.rateLimitPerSecond(), change.rateLimitPerSecond()),
                    replaceLimit(was.rateLimitBurst(), change.rateLimitBurst()),
                    change.enabledProviders().orElse(was.enabledProviders()),
                    change.defaultProvider().orElse(was.defaultProvider()),
                    change.fallbackProvider().orElse(was.fallbackProvider()));
            partners.updateSettings(tx, partnerId, next, services.now());
            return partners.find(tx, partnerId).orElseThrow();
        });
        // The cache keeps none of these settings today; dropping the partner's keys keeps it right should it ever keep one.
        keyCache.forgetPartner(partnerId);
        return updated;
    }

    private static OptionalInt replaceLimit(OptionalInt was, OptionalInt change) {
        if (change.isEmpty()) {
            return was;
        }
        return change.getAsInt() == 0 ? OptionalInt.empty() : change;
    }

    static PayflowException notFound(String partnerId) {
        return PayflowException.of(ErrorReason.PARTNER_NOT_FOUND, "partner %s not found", partnerId);
    }

    private String validateWebhookUrl(String url) {
        if (url.isEmpty()) {
            return url;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "webhookUrl: %s is not a URL", Strings.forMessage(url));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        boolean https = scheme.equals("https") && !host.isEmpty();
        boolean localHttp = allowLocalWebhooks && scheme.equals("http") && LOCAL_HOSTS.contains(host);
        if (!https && !localHttp) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "webhookUrl: %s (expected: an absolute https URL%s)",
                    Strings.forMessage(url), allowLocalWebhooks ? ", or http://localhost in development" : "");
        }
        return url;
    }
}
