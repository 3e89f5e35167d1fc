package dev.payflow.core.console;

import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.ConsoleSessions;
import dev.payflow.core.testing.ConsoleSessions.Session;
import dev.payflow.core.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Operators' console sessions over REST: sign-in, the cookie, CSRF, timeouts, sign-out, throttling, roles. */
class OperatorSessionTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final String PARTNER_BODY = "{\"name\": \"P\", \"companyName\": \"P Inc\", \"email\": \"%s\"}";

    private static TestServer payflow;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static String uniqueEmail(String who) {
        return who + "-" + UUID.randomUUID() + "@payflow.test";
    }

    private static String partnerBody() {
        return PARTNER_BODY.formatted(uniqueEmail("partner"));
    }

    @Test
    void theBootstrapAdminSignsInAndGetsAnHttpOnlySameSiteCookieAndSeesItselfInWhoAmI() {
        TestServer.Rest signIn = ConsoleSessions.signInAttempt(payflow, TestServer.BOOTSTRAP_ADMIN_EMAIL, TestServer.BOOTSTRAP_ADMIN_PASSWORD);

        assertThat(signIn.status()).isEqualTo(200);
        String cookie = signIn.headers().firstValue("set-cookie").orElseThrow();
        assertThat(cookie).startsWith("payflow_session=").contains("; HttpOnly", "; SameSite=Lax", "; Path=/")
                // Development serves plain http: Secure is for production only.
                .doesNotContain("Secure");
        assertThat(signIn.body().getAsJsonObject("operator").get("role").getAsString()).isEqualTo("admin");
        assertThat(signIn.body().toString()).doesNotContain("password");

        Session session = ConsoleSessions.signInAsBootstrapAdmin(payflow);
        TestServer.Rest whoAmI = session.call(payflow, "GET", "/api/admin/session", null);
        assertThat(whoAmI.status()).isEqualTo(200);
        assertThat(whoAmI.body().getAsJsonObject("operator").get("email").getAsString()).isEqualTo(TestServer.BOOTSTRAP_ADMIN_EMAIL);
        assertThat(whoAmI.body().get("csrfToken").getAsString()).isEqualTo(session.csrfToken());
    }

    @Test
    void aStateChangingRequestWithTheCookieNeedsTheSessionsCsrfTokenWhileTheBearerTokenNeedsNone() {
        Session session = ConsoleSessions.signInAsBootstrapAdmin(payflow);

        assertRestError(session.callWithoutCsrf(payflow, "POST", "/api/admin/partners", partnerBody()), 403, "CSRF_TOKEN_INVALID");
        assertRestError(payflow.rest("POST", "/api/admin/partners", null, partnerBody(),
                Map.of("Cookie", "payflow_session=" + session.cookie(), "X-CSRF-Token", "not-the-token")), 403, "CSRF_TOKEN_INVALID");
        // Reads need no token.
        assertThat(session.callWithoutCsrf(payflow, "GET", "/api/admin/partners", null).status()).isEqualTo(200);

        TestServer.Rest csrf = session.call(payflow, "GET", "/api/csrf-token", null);
        assertThat(csrf.status()).isEqualTo(200);
        assertThat(csrf.body().get("token").getAsString()).isEqualTo(session.csrfToken());
        assertThat(session.call(payflow, "POST", "/api/admin/partners", partnerBody()).status()).isEqualTo(200);
        assertThat(payflow.rest("POST", "/api/admin/partners", TestServer.ADMIN_TOKEN, partnerBody()).status()).isEqualTo(200);
    }

    @Test
    void theBearerTokenActsAsTheNamedAutomationIdentityWithTheAdminRole() {
        TestServer.Rest whoAmI = payflow.rest("GET", "/api/admin/session", TestServer.ADMIN_TOKEN, null);

        assertThat(whoAmI.status()).isEqualTo(200);
        assertThat(whoAmI.body().getAsJsonObject("operator").get("id").getAsString()).isEqualTo("automation");
        assertThat(whoAmI.body().getAsJsonObject("operator").get("role").getAsString()).isEqualTo("admin");
        assertThat(payflow.rest("GET", "/api/csrf-token", TestServer.ADMIN_TOKEN, null).body().get("token").getAsString()).isEmpty();
    }

    @Test
    void aSessionEndsAfterThirtyIdleMinutesButStaysAliveWhileUsed() {
        Session session = ConsoleSessions.signInAsBootstrapAdmin(payflow);
        payflow.clock().advance(Duration.ofMinutes(29));
        assertThat(session.call(payflow, "GET", "/api/admin/session", null).status()).isEqualTo(200);
        payflow.clock().advance(Duration.ofMinutes(29));
        assertThat(session.call(payflow, "GET", "/api/admin/session", null).status()).as("used 29 minutes ago").isEqualTo(200);

        payflow.clock().advance(Duration.ofMinutes(31));

        assertRestError(session.call(payflow, "GET", "/api/admin/session", null), 401, "SESSION_EXPIRED");
    }

    @Test
    void aSessionEndsTwelveHoursAfterSignInHoweverBusyItIs() {
        Session session = ConsoleSessions.signInAsBootstrapAdmin(payflow);
        for (int i = 0; i < 35; i++) {
            payflow.clock().advance(Duration.ofMinutes(20));
            assertThat(session.call(payflow, "GET", "/api/admin/session", null).status()).as("after %d minutes", (i + 1) * 20).isEqualTo(200);
        }
        payflow.clock().advance(Duration.ofMinutes(20));

        assertRestError(session.call(payflow, "GET", "/api/admin/session", null), 401, "SESSION_EXPIRED");
    }

    @Test
    void signOutEndsTheSessionOnTheServerSoTheOldCookieOpensNothing() {
        Session session = ConsoleSessions.signInAsBootstrapAdmin(payflow);

        TestServer.Rest signOut = session.call(payflow, "DELETE", "/api/admin/session", null);

        assertThat(signOut.status()).isEqualTo(200);
        assertThat(signOut.headers().firstValue("set-cookie").orElseThrow()).startsWith("payflow_session=;").contains("Max-Age=0");
        assertRestError(session.call(payflow, "GET", "/api/admin/session", null), 401, "SESSION_EXPIRED");
    }

    @Test
    void everySignInMakesANewSessionIdAndEndsTheSessionTheRequestCameWith() {
        Session first = ConsoleSessions.signInAsBootstrapAdmin(payflow);

        TestServer.Rest again = payflow.rest("POST", "/api/admin/session", null,
                "{\"email\": \"" + TestServer.BOOTSTRAP_ADMIN_EMAIL + "\", \"password\": \"" + TestServer.BOOTSTRAP_ADMIN_PASSWORD + "\"}",
                Map.of("Cookie", "payflow_session=" + first.cookie()));

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.headers().firstValue("set-cookie").orElseThrow()).doesNotContain(first.cookie());
        assertRestError(first.call(payflow, "GET", "/api/admin/session", null), 401, "SESSION_EXPIRED");
    }

    @Test
    void aForgedOrAlteredCookieIsRefusedWithoutASession() {
        Session session = ConsoleSessions.signInAsBootstrapAdmin(payflow);
        String altered = session.cookie().substring(0, session.cookie().length() - 2) + "xx";

        assertRestError(payflow.rest("GET", "/api/admin/session", null, null, Map.of("Cookie", "payflow_session=" + altered)), 401,
                "SESSION_EXPIRED");
        assertRestError(payflow.rest("GET", "/api/admin/session", null, null, Map.of("Cookie", "payflow_session=made-up")), 401,
                "SESSION_EXPIRED");
        assertRestError(payflow.rest("GET", "/api/admin/session", null, null), 401, "MISSING_CREDENTIALS");
    }

    @Test
    void wrongPasswordsAndUnknownEmailsAreAnsweredAlike() {
        assertRestError(ConsoleSessions.signInAttempt(payflow, TestServer.BOOTSTRAP_ADMIN_EMAIL, "wrong password!"), 401, "INVALID_CREDENTIALS");
        assertRestError(ConsoleSessions.signInAttempt(payflow, uniqueEmail("nobody"), "wrong password!"), 401, "INVALID_CREDENTIALS");
        assertRestError(ConsoleSessions.signInAttempt(payflow, "", "x"), 400, "MISSING_FIELD");
    }

    @Test
    void fiveFailedSignInsLockTheEmailEvenForTheRightPasswordUntilAnAdminUnlocksIt() {
        String email = uniqueEmail("locked");
        String operatorId = ConsoleSessions.createOperator(payflow, email, "operator", PASSWORD);
        for (int i = 0; i < 5; i++) {
            assertRestError(ConsoleSessions.signInAttempt(payflow, email, "not the password " + i), 401, "INVALID_CREDENTIALS");
        }

        assertRestError(ConsoleSessions.signInAttempt(payflow, email, PASSWORD), 429, "LOGIN_LOCKED");

        assertRestError(payflow.rest("POST", "/api/admin/operators/" + operatorId + "/unlock", TestServer.ADMIN_TOKEN, "{}"), 400, "MISSING_FIELD");
        assertThat(payflow.rest("POST", "/api/admin/operators/" + operatorId + "/unlock", TestServer.ADMIN_TOKEN,
                "{\"reason\": \"confirmed by phone\"}").status()).isEqualTo(200);
        ConsoleSessions.signIn(payflow, email, PASSWORD);
    }

    @Test
    void aLockEndsByItselfAfterFifteenMinutes() {
        String email = uniqueEmail("waits");
        ConsoleSessions.createOperator(payflow, email, "viewer", PASSWORD);
        for (int i = 0; i < 5; i++) {
            ConsoleSessions.signInAttempt(payflow, email, "not the password " + i);
        }
        assertRestError(ConsoleSessions.signInAttempt(payflow, email, PASSWORD), 429, "LOGIN_LOCKED");

        payflow.clock().advance(Duration.ofMinutes(16));

        ConsoleSessions.signIn(payflow, email, PASSWORD);
    }

    @Test
    void twentyFailedSignInsFromOneAddressLockThatAddressForEveryEmail() {
        // A fresh window: failures of the other tests from this address are older than 15 minutes now.
        payflow.clock().advance(Duration.ofMinutes(16));
        for (int i = 0; i < 20; i++) {
            assertRestError(ConsoleSessions.signInAttempt(payflow, uniqueEmail("guess"), "guess " + i), 401, "INVALID_CREDENTIALS");
        }

        assertRestError(ConsoleSessions.signInAttempt(payflow, TestServer.BOOTSTRAP_ADMIN_EMAIL, TestServer.BOOTSTRAP_ADMIN_PASSWORD), 429,
                "LOGIN_LOCKED");

        payflow.clock().advance(Duration.ofMinutes(16));
        ConsoleSessions.signInAsBootstrapAdmin(payflow);
    }

    @Test
    void aViewerReadsButCannotActAndOnlyAdminsManageOperators() {
        String email = uniqueEmail("viewer");
        ConsoleSessions.createOperator(payflow, email, "viewer", PASSWORD);
        Session viewer = ConsoleSessions.signIn(payflow, email, PASSWORD);

        assertThat(viewer.call(payflow, "GET", "/api/admin/partners", null).status()).isEqualTo(200);
        assertRestError(viewer.call(payflow, "POST", "/api/admin/partners", partnerBody()), 403, "MISSING_PERMISSION");
        assertRestError(viewer.call(payflow, "GET", "/api/admin/operators", null), 403, "MISSING_PERMISSION");
    }

    @Test
    void disablingAnOperatorEndsItsSessionsAtOnceAndItCanNoLongerSignIn() {
        String email = uniqueEmail("leaver");
        String operatorId = ConsoleSessions.createOperator(payflow, email, "operator", PASSWORD);
        Session leaver = ConsoleSessions.signIn(payflow, email, PASSWORD);
        Session admin = ConsoleSessions.signInAsBootstrapAdmin(payflow);

        TestServer.Rest disabled = admin.call(payflow, "PATCH", "/api/admin/operators/" + operatorId,
                "{\"status\": \"disabled\", \"reason\": \"left the company\"}");

        assertThat(disabled.status()).as(disabled.body().toString()).isEqualTo(200);
        assertThat(disabled.body().get("status").getAsString()).isEqualTo("disabled");
        assertRestError(leaver.call(payflow, "GET", "/api/admin/session", null), 401, "SESSION_EXPIRED");
        assertRestError(ConsoleSessions.signInAttempt(payflow, email, PASSWORD), 401, "INVALID_CREDENTIALS");
        assertRestError(admin.call(payflow, "PATCH", "/api/admin/operators/" + admin.operatorId(),
                "{\"role\": \"viewer\", \"reason\": \"oops\"}"), 400, "INVALID_STATUS_TRANSITION");
    }

    @Test
    void theConsoleIsServedUnderAdminFromTheJarWithAContentSecurityPolicyThatAllowsOnlyItsOwnFiles() {
        TestServer.Rest redirect = payflow.rest("GET", "/admin", null, null);
        assertThat(redirect.status()).isEqualTo(307);
        for (String path : new String[] {"/admin/", "/admin/console.js", "/admin/console.css"}) {
            java.net.http.HttpResponse<String> file = payflow.raw("GET", path);
            assertThat(file.statusCode()).as(path).isEqualTo(200);
            assertThat(file.headers().firstValue("content-security-policy").orElseThrow()).startsWith("default-src 'self'")
                    .contains("frame-ancestors 'none'");
            assertThat(file.body()).doesNotContain("https://").doesNotContain("http://");
        }
        assertThat(payflow.raw("GET", "/admin/").body()).contains("<label for=\"signin-email\">Email</label>");
    }

    @Test
    void operatorsAreCreatedWithAnArgonHashedPasswordOfTwelveCharactersAtLeast() {
        assertRestError(payflow.rest("POST", "/api/admin/operators", TestServer.ADMIN_TOKEN,
                "{\"email\": \"" + uniqueEmail("short") + "\", \"displayName\": \"S\", \"role\": \"viewer\", \"password\": \"short\"}"), 400,
                "INVALID_FIELD");
        String email = uniqueEmail("dup");
        ConsoleSessions.createOperator(payflow, email, "viewer", PASSWORD);
        assertRestError(payflow.rest("POST", "/api/admin/operators", TestServer.ADMIN_TOKEN,
                "{\"email\": \"" + email + "\", \"displayName\": \"S\", \"role\": \"viewer\", \"password\": \"" + PASSWORD + "\"}"), 409,
                "OPERATOR_ALREADY_EXISTS");
        TestServer.Rest list = payflow.rest("GET", "/api/admin/operators?pageSize=200", TestServer.ADMIN_TOKEN, null);
        assertThat(list.body().toString()).contains(email).doesNotContain(PASSWORD).doesNotContain("argon");
    }
}
