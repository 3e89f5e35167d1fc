package dev.payflow.core.api;

import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.OperatorPrincipal;
import dev.payflow.core.app.OperatorSessions;
import dev.payflow.core.domain.Operator;
import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.PayflowException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Locale;
import java.util.Objects;

/**
 * Establishes who is calling, with the kind of credential the RPC's access rule names, and puts
 * the result in the call context: a partner API key becomes a {@link PartnerPrincipal}; an
 * operator's session cookie becomes that operator with its role, and the admin token the
 * automation identity with the {@link OperatorRole#ADMIN} role;
 * a signed sender's signature is handed to its handler, which verifies it. Public RPCs need
 * nothing. It decides nothing about permissions: that is {@link AccessRuleInterceptor}'s job.
 * A refusal is thrown, for {@link ErrorMappingInterceptor} to answer.
 */
final class AuthenticationInterceptor implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> STRIPE_SIGNATURE = Metadata.Key.of("stripe-signature", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PAYPAL_TRANSMISSION_ID = Metadata.Key.of("paypal-transmission-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PAYPAL_TRANSMISSION_TIME = Metadata.Key.of("paypal-transmission-time", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PAYPAL_TRANSMISSION_SIG = Metadata.Key.of("paypal-transmission-sig", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PAYPAL_CERT_URL = Metadata.Key.of("paypal-cert-url", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PAYPAL_AUTH_ALGO = Metadata.Key.of("paypal-auth-algo", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "bearer ";
    /** The other way to present a partner key or the admin token, for clients that cannot set Authorization. */
    private static final Metadata.Key<String> X_API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    private static final Metadata.Key<String> COOKIE = Metadata.Key.of("cookie", Metadata.ASCII_STRING_MARSHALLER);

    private final AccessRules rules;
    private final Authenticator authenticator;
    private final AuthFailures failures;
    /** Operators' console sessions; absent where only the admin token is an operator credential (tests of the chain alone). */
    private final java.util.Optional<OperatorSessions> sessions;
    private final java.time.Clock clock;

    AuthenticationInterceptor(AccessRules rules, Authenticator authenticator, AuthFailures failures) {
        this(rules, authenticator, failures, java.util.Optional.empty(), java.time.Clock.systemUTC());
    }

    AuthenticationInterceptor(AccessRules rules, Authenticator authenticator, AuthFailures failures, java.util.Optional<OperatorSessions> sessions,
            java.time.Clock clock) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Context context;
        try {
            context = authenticated(rules.require(method), headers);
        } catch (RuntimeException refused) {
            failures.recordIfRefusal(refused, method);
            throw refused;
        }
        return Contexts.interceptCall(context, call, headers, next);
    }

    private Context authenticated(AccessRules.Requirement requirement, Metadata headers) {
        // An if-chain over the sealed requirement: pattern matching for switch needs Java 21.
        String sessionCookie = sessionCookie(headers);
        Context current = Context.current().withValue(CallContext.SESSION_COOKIE, sessionCookie);
        if (requirement instanceof AccessRules.PartnerPermission) {
            return current.withValue(CallContext.PRINCIPAL, authenticator.authenticatePartner(bearer(headers)));
        }
        if (requirement instanceof AccessRules.Operator) {
            OperatorPrincipal operator = operator(headers, sessionCookie);
            AuditNote note = CallContext.AUDIT_NOTE.get();
            if (note != null) {
                note.actor(operator.operator());
            }
            return current.withValue(CallContext.OPERATOR, operator).withValue(CallContext.OPERATOR_ROLE, operator.operator().role());
        }
        if (requirement instanceof AccessRules.SignedBySender) {
            return current.withValue(CallContext.STRIPE_SIGNATURE, headers.get(STRIPE_SIGNATURE))
                    .withValue(CallContext.PAYPAL_TRANSMISSION, new dev.payflow.core.domain.PayPalTransmission(
                            java.util.Optional.ofNullable(headers.get(PAYPAL_TRANSMISSION_ID)), java.util.Optional.ofNullable(headers.get(PAYPAL_TRANSMISSION_TIME)),
                            java.util.Optional.ofNullable(headers.get(PAYPAL_TRANSMISSION_SIG)), java.util.Optional.ofNullable(headers.get(PAYPAL_CERT_URL)),
                            java.util.Optional.ofNullable(headers.get(PAYPAL_AUTH_ALGO))));
        }
        if (requirement instanceof AccessRules.Public) {
            return current;
        }
        throw new IllegalStateException("unhandled access requirement " + requirement);
    }

    /**
     * The admin token (automation) when an Authorization header is sent, else the operator's
     * session cookie. A request with both is judged by its Authorization header alone: a browser
     * never sends one by itself, so it cannot be a cross-site request riding on the cookie.
     */
    private OperatorPrincipal operator(Metadata headers, String sessionCookie) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            authorization = headers.get(X_API_KEY);
        }
        if ((authorization == null || authorization.isBlank()) && sessionCookie != null && sessions.isPresent()) {
            return sessions.get().authenticate(sessionCookie);
        }
        if ((authorization == null || authorization.isBlank()) && sessionCookie != null) {
            throw PayflowException.of(ErrorReason.SESSION_EXPIRED, "operator sessions are not served here");
        }
        String tokenName = authenticator.authenticateAdmin(bearer(headers));
        CallRecord.attributeAdminTokenCurrent(tokenName);
        return new OperatorPrincipal(Operator.automation(clock.instant(), tokenName), java.util.Optional.empty());
    }

    /** The value of the {@code payflow_session} cookie, or null. */
    static String sessionCookie(Metadata headers) {
        Iterable<String> cookies = headers.getAll(COOKIE);
        if (cookies == null) {
            return null;
        }
        for (String header : cookies) {
            for (String pair : header.split(";")) {
                String trimmed = pair.trim();
                int equals = trimmed.indexOf('=');
                if (equals > 0 && trimmed.substring(0, equals).equals(OperatorSessions.COOKIE_NAME)) {
                    return trimmed.substring(equals + 1).trim();
                }
            }
        }
        return null;
    }

    private static String bearer(Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            String apiKey = headers.get(X_API_KEY);
            if (apiKey != null && !apiKey.isBlank()) {
                return apiKey.trim();
            }
            throw PayflowException.of(ErrorReason.MISSING_CREDENTIALS,
                    "missing credentials (expected: an Authorization: Bearer header or an x-api-key header)");
        }
        String value = authorization.trim();
        if (value.length() < BEARER.length() || !value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            throw PayflowException.of(ErrorReason.MISSING_CREDENTIALS, "the Authorization header must use the Bearer scheme");
        }
        return value.substring(BEARER.length()).trim();
    }
}
