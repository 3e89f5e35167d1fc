package dev.payflow.core.config;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Connect's settings, read from the environment (see README.md's configuration table).
 *
 * @param publicBaseUrl the URL partners' users reach PayFlow's own pages at (onboarding return and
 *                      refresh pages, the simulated onboarding); required in production, in
 *                      development {@code http://localhost:<the REST port>} when not set
 * @param clientIdTest  the platform's Connect client id ({@code ca_...}) for OAuth in test mode
 * @param clientIdLive  the same for live mode
 * @param connectBase   another base than Stripe's own for OAuth ({@code connect.stripe.com}); development only
 */
public record ConnectConfig(Optional<String> publicBaseUrl, Optional<String> clientIdTest, Optional<String> clientIdLive,
        Optional<String> connectBase) {
    public static final ConnectConfig NONE = new ConnectConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public ConnectConfig {
        Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
        Objects.requireNonNull(clientIdTest, "clientIdTest");
        Objects.requireNonNull(clientIdLive, "clientIdLive");
        Objects.requireNonNull(connectBase, "connectBase");
        publicBaseUrl = publicBaseUrl.map(url -> url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        publicBaseUrl.ifPresent(url -> {
            if (!url.startsWith("https://") && !url.startsWith("http://")) {
                throw new PayflowConfig.ConfigException("PAYFLOW_PUBLIC_BASE_URL: '" + url + "' (expected: an http(s) URL)");
            }
        });
    }

    public static ConnectConfig fromEnvironment(Map<String, String> env, PayflowConfig.DeploymentEnvironment environment) {
        Optional<String> connectBase = text(env, "PAYFLOW_STRIPE_CONNECT_BASE");
        if (connectBase.isPresent() && environment != PayflowConfig.DeploymentEnvironment.DEVELOPMENT) {
            throw new PayflowConfig.ConfigException("PAYFLOW_STRIPE_CONNECT_BASE is allowed only when PAYFLOW_ENVIRONMENT=development");
        }
        // Required in production: PayflowConfig checks it after the other required settings.
        Optional<String> publicBaseUrl = text(env, "PAYFLOW_PUBLIC_BASE_URL");
        return new ConnectConfig(publicBaseUrl, text(env, "PAYFLOW_STRIPE_CONNECT_CLIENT_ID_TEST"),
                text(env, "PAYFLOW_STRIPE_CONNECT_CLIENT_ID_LIVE"), connectBase);
    }

    /** The public base URL, or in development the REST listener on localhost. */
    public String publicBaseUrlOr(int httpPort) {
        return publicBaseUrl.orElse("http://localhost:" + httpPort);
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }
}
