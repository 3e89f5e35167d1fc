package dev.payflow.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.Map;

/** Operators' console sessions over REST, as a browser holds them: the session cookie and the CSRF token. */
public final class ConsoleSessions {
    private ConsoleSessions() {
    }

    /** A signed-in operator: the {@code payflow_session} cookie and the session's CSRF token. */
    public record Session(String cookie, String csrfToken, String operatorId) {
        /** A request with the cookie and, for state-changing methods, the CSRF token. */
        public TestServer.Rest call(TestServer server, String method, String path, String body) {
            return server.rest(method, path, null, body, headers(!method.equals("GET")));
        }

        /** A request with the cookie only, as a cross-site form post would make it. */
        public TestServer.Rest callWithoutCsrf(TestServer server, String method, String path, String body) {
            return server.rest(method, path, null, body, headers(false));
        }

        private Map<String, String> headers(boolean withCsrf) {
            Map<String, String> headers = new HashMap<>();
            headers.put("Cookie", "payflow_session=" + cookie);
            if (withCsrf) {
                headers.put("X-CSRF-Token", csrfToken);
            }
            return headers;
        }
    }

    public static Session signInAsBootstrapAdmin(TestServer server) {
        return signIn(server, TestServer.BOOTSTRAP_ADMIN_EMAIL, TestServer.BOOTSTRAP_ADMIN_PASSWORD);
    }

    /** Signs in over REST and checks that it worked. */
    public static Session signIn(TestServer server, String email, String password) {
        TestServer.Rest response = signInAttempt(server, email, password);
        assertThat(response.status()).as("sign-in of %s: %s", email, response.body()).isEqualTo(200);
        String setCookie = response.headers().firstValue("set-cookie").orElseThrow();
        String cookie = setCookie.substring("payflow_session=".length(), setCookie.indexOf(';'));
        JsonObject body = response.body();
        return new Session(cookie, body.get("csrfToken").getAsString(), body.getAsJsonObject("operator").get("id").getAsString());
    }

    public static TestServer.Rest signInAttempt(TestServer server, String email, String password) {
        JsonObject body = new JsonObject();
        body.addProperty("email", email);
        body.addProperty("password", password);
        return server.rest("POST", "/api/admin/session", null, body.toString());
    }

    /** Creates an operator with the admin token and returns its id. */
    public static String createOperator(TestServer server, String email, String role, String password) {
        JsonObject body = new JsonObject();
        body.addProperty("email", email);
        body.addProperty("displayName", "Operator " + email);
        body.addProperty("role", role);
        body.addProperty("password", password);
        TestServer.Rest created = server.rest("POST", "/api/admin/operators", TestServer.ADMIN_TOKEN, body.toString());
        assertThat(created.status()).as("create operator: %s", created.body()).isEqualTo(200);
        return created.body().get("id").getAsString();
    }
}
