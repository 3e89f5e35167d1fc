package dev.payflow.core.gateway;

import com.stripe.model.oauth.DeauthorizedAccount;
import com.stripe.model.oauth.TokenResponse;
import com.stripe.net.OAuth;
import com.stripe.net.RequestOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Stripe Connect OAuth for Standard accounts, through stripe-java's {@link OAuth}: the code a
 * holder's browser brought back is exchanged for the account's id ({@code stripe_user_id}), and a
 * Standard account is disconnected by revoking the platform's access (deauthorize). The calls go
 * to the Connect base ({@code https://connect.stripe.com}, or {@code PAYFLOW_STRIPE_CONNECT_BASE}
 * in development), with the mode's secret key and Connect client id.
 */
public final class StripeOAuth {
    public static final String CONNECT_BASE = "https://connect.stripe.com";

    private final String secretKey;
    private final String clientId;
    private final String connectBase;

    public StripeOAuth(String secretKey, String clientId, String connectBase) {
        this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.connectBase = Objects.requireNonNull(connectBase, "connectBase");
    }

    /** The platform's Connect client id ({@code ca_...}) of this mode. */
    public String clientId() {
        return clientId;
    }

    /** Where holders authorize the platform: {@code <connect base>/oauth/authorize}. */
    public String authorizeEndpoint() {
        return connectBase + "/oauth/authorize";
    }

    /** Exchanges an authorization code for the connected account's id ({@code acct_...}). */
    public ConnectProvider.Outcome<String> token(String code) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("grant_type", "authorization_code");
        params.put("code", code);
        return StripeConnect.call(() -> {
            TokenResponse token = OAuth.token(params, options());
            return token.getStripeUserId();
        });
    }

    /** Revokes the platform's access to a Standard account; the account itself stays its holder's. */
    public ConnectProvider.Outcome<Boolean> deauthorize(String stripeUserId) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("client_id", clientId);
        params.put("stripe_user_id", stripeUserId);
        return StripeConnect.call(() -> {
            DeauthorizedAccount deauthorized = OAuth.deauthorize(params, options());
            return stripeUserId.equals(deauthorized.getStripeUserId());
        });
    }

    private RequestOptions options() {
        return RequestOptions.builder().setApiKey(secretKey).setClientId(clientId).setBaseUrl(connectBase)
                .setConnectTimeout(StripePayments.CONNECT_TIMEOUT_MS).setReadTimeout(StripePayments.READ_TIMEOUT_MS).build();
    }
}
