package dev.payflow.core.webhook;

import dev.payflow.core.app.Services;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.WebhookEndpoint;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.WebhookRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A partner's webhook endpoint per mode: read, set, and roll its signing secret. */
public final class WebhookEndpoints {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WebhookEndpoints.class);
    /** 24 random bytes (192 bits) of HMAC key, as Standard Webhooks secrets carry. */
    static final int SECRET_BYTES = 24;
    static final String SECRET_PREFIX = "whsec_";
    /** Enough of the secret to tell two apart, far too little to guess the rest. */
    private static final int DISPLAY_PREFIX_LENGTH = SECRET_PREFIX.length() + 6;
    /** How long a rolled secret keeps signing unless the roll says otherwise. */
    public static final int ROLL_GRACE_HOURS_DEFAULT = 24;
    /** A week is long enough for any partner's deploy; longer keeps a leaked secret useful. */
    public static final int ROLL_GRACE_HOURS_MAX = 168;
    /** More types than exist is a mistake, and bounds the stored list. */
    private static final int EVENT_TYPES_MAX = 64;

    private final Database database;
    private final Services services;
    private final WebhookRepository repository;
    private final SecretBox secrets;
    private final UrlGuard guard;

    public WebhookEndpoints(Database database, Services services, WebhookRepository repository, SecretBox secrets, UrlGuard guard) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /** An endpoint, and its full secret only in the answer that created it. */
    public record View(WebhookEndpoint endpoint, Optional<String> newSecret) {
    }

    /** What a PUT asks for; omitted fields take their defaults. */
    public record Settings(String url, List<String> eventTypes, Optional<Boolean> enabled) {
        public Settings {
            Objects.requireNonNull(url, "url");
            eventTypes = List.copyOf(eventTypes);
            Objects.requireNonNull(enabled, "enabled");
        }
    }

    public View get(PartnerScope scope) {
        return new View(database.inTransaction(tx -> repository.findEndpoint(tx, scope)).orElseThrow(WebhookEndpoints::notFound),
                Optional.empty());
    }

    /**
     * Sets the scope's endpoint. Validated in order (syntax, types, then the address rules with a
     * look-up) before anything is written; the first PUT creates the secret.
     */
    public View put(PartnerScope scope, Settings settings) {
        UrlGuard.parse(settings.url());
        List<String> types = eventTypes(settings.eventTypes());
        guard.check(settings.url(), scope.livemode());
        return database.inTransaction(tx -> {
            Instant now = services.now();
            Optional<WebhookEndpoint> existing = repository.findEndpointForUpdate(tx, scope);
            // A secret no one has seen (the onboarding URL's) is replaced, so the partner's first PUT shows one.
            Optional<WebhookEndpoint> kept = existing.filter(WebhookEndpoint::secretRevealed);
            Optional<String> newSecret = kept.isPresent() ? Optional.empty() : Optional.of(newSecret());
            WebhookEndpoint endpoint = new WebhookEndpoint(scope, settings.url(), types, settings.enabled().orElse(true),
                    WebhookEndpoint.Status.ACTIVE,
                    kept.map(WebhookEndpoint::secretCiphertext).orElseGet(() -> secrets.seal(scope, newSecret.orElseThrow())),
                    kept.map(WebhookEndpoint::secretPrefix).orElseGet(() -> displayPrefix(newSecret.orElseThrow())), true,
                    kept.flatMap(WebhookEndpoint::previousSecretCiphertext), kept.flatMap(WebhookEndpoint::previousSecretExpiresAt),
                    Optional.empty(), "", existing.map(WebhookEndpoint::createdAt).orElse(now), now);
            repository.saveEndpoint(tx, endpoint);
            return new View(endpoint, newSecret);
        });
    }

    /**
     * The partner's onboarding {@code webhookUrl} as its sandbox endpoint, all types, with a
     * secret no one is shown: the partner's first PUT replaces it and shows the new one (or a roll
     * does). Only the URL's syntax is checked here,
     * without a look-up, so onboarding never waits on DNS: the address rules apply at each
     * delivery. A URL that is not even well-formed is left out (and logged); the partner sets one.
     */
    public void adoptOnboardingUrl(String partnerId, String url) {
        if (url == null || url.isBlank()) {
            return;
        }
        PartnerScope sandbox = new PartnerScope(partnerId, false);
        try {
            UrlGuard.parse(url);
        } catch (PayflowException e) {
            LOG.warn("partner {}: onboarding webhookUrl not used as its sandbox endpoint: {}", partnerId, e.getMessage());
            return;
        }
        database.inTransaction(tx -> {
            if (repository.findEndpointForUpdate(tx, sandbox).isPresent()) {
                return null;
            }
            Instant now = services.now();
            String secret = newSecret();
            repository.saveEndpoint(tx, new WebhookEndpoint(sandbox, url, List.of(), true, WebhookEndpoint.Status.ACTIVE, secrets.seal(sandbox, secret),
                    displayPrefix(secret), false, Optional.empty(), Optional.empty(), Optional.empty(), "", now, now));
            return null;
        });
    }

    /** Issues a new secret; the current one keeps signing beside it for {@code graceHours} (0 ends it now). */
    public View rollSecret(PartnerScope scope, Optional<Integer> graceHours) {
        int hours = graceHours.orElse(ROLL_GRACE_HOURS_DEFAULT);
        if (hours < 0 || hours > ROLL_GRACE_HOURS_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "expiresInHours: %d (expected: 0..%d)", hours, ROLL_GRACE_HOURS_MAX);
        }
        return database.inTransaction(tx -> {
            Instant now = services.now();
            WebhookEndpoint current = repository.findEndpointForUpdate(tx, scope).orElseThrow(WebhookEndpoints::notFound);
            String secret = newSecret();
            boolean keepOld = hours > 0;
            WebhookEndpoint rolled = new WebhookEndpoint(scope, current.url(), current.eventTypes(), current.enabled(), current.status(),
                    secrets.seal(scope, secret), displayPrefix(secret), true,
                    keepOld ? Optional.of(current.secretCiphertext()) : Optional.empty(),
                    keepOld ? Optional.of(now.plus(Duration.ofHours(hours))) : Optional.empty(),
                    current.failingSince(), current.disabledReason(), current.createdAt(), now);
            repository.saveEndpoint(tx, rolled);
            return new View(rolled, Optional.of(secret));
        });
    }

    /** The secrets that sign now: the current one, and a rolled one until its grace period ends. */
    List<String> signingSecrets(WebhookEndpoint endpoint, Instant now) {
        String current = secrets.open(endpoint.scope(), endpoint.secretCiphertext());
        if (endpoint.previousSecretCiphertext().isPresent() && endpoint.previousSecretExpiresAt().orElseThrow().isAfter(now)) {
            return List.of(current, secrets.open(endpoint.scope(), endpoint.previousSecretCiphertext().get()));
        }
        return List.of(current);
    }

    private static List<String> eventTypes(List<String> requested) {
        if (requested.size() > EVENT_TYPES_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "eventTypes: %d types (expected: at most %d)", requested.size(), EVENT_TYPES_MAX);
        }
        LinkedHashSet<String> types = new LinkedHashSet<>();
        for (String type : requested) {
            if (!EventTypes.isKnown(type)) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "eventTypes: %s is not an event type (expected some of: %s)",
                        dev.payflow.core.domain.Strings.forMessage(type), String.join(", ", EventTypes.ALL));
            }
            types.add(type);
        }
        return List.copyOf(types);
    }

    private String newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        services.random().nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    private static String displayPrefix(String secret) {
        return secret.substring(0, DISPLAY_PREFIX_LENGTH);
    }

    private static PayflowException notFound() {
        return PayflowException.of(ErrorReason.WEBHOOK_ENDPOINT_NOT_FOUND, "no webhook endpoint is set for this mode (PUT /api/v1/webhook-endpoint sets one)");
    }
}
