package dev.payflow.core.api;

import dev.payflow.core.app.Authenticator;
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
 * the result in the call context: a partner API key becomes a {@link PartnerPrincipal}; the admin
 * token becomes an operator with the {@link OperatorRole#ADMIN} role (until operator sessions
 * exist, the admin token is the only operator credential, so it satisfies every operator role);
 * a signed sender's signature is handed to its handler, which verifies it. Public RPCs need
 * nothing. It decides nothing about permissions: that is {@link AccessRuleInterceptor}'s job.
 * A refusal is thrown, for {@link ErrorMappingInterceptor} to answer.
 */
final class AuthenticationInterceptor implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> STRIPE_SIGNATURE = Metadata.Key.of("stripe-signature", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "bearer ";

    private final AccessRules rules;
    private final Authenticator authenticator;
    private final AuthFailures failures;

    AuthenticationInterceptor(AccessRules rules, Authenticator authenticator, AuthFailures failures) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.failures = Objects.requireNonNull(failures, "failures");
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
        Context current = Context.current();
        if (requirement instanceof AccessRules.PartnerPermission) {
            return current.withValue(CallContext.PRINCIPAL, authenticator.authenticatePartner(bearer(headers)));
        }
        if (requirement instanceof AccessRules.Operator) {
            authenticator.authenticateAdmin(bearer(headers));
            return current.withValue(CallContext.OPERATOR_ROLE, OperatorRole.ADMIN);
        }
        if (requirement instanceof AccessRules.SignedBySender) {
            return current.withValue(CallContext.STRIPE_SIGNATURE, headers.get(STRIPE_SIGNATURE));
        }
        if (requirement instanceof AccessRules.Public) {
            return current;
        }
        throw new IllegalStateException("unhandled access requirement " + requirement);
    }

    private static String bearer(Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            throw PayflowException.of(ErrorReason.MISSING_CREDENTIALS, "missing credentials (expected: an Authorization: Bearer header)");
        }
        String value = authorization.trim();
        if (value.length() < BEARER.length() || !value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            throw PayflowException.of(ErrorReason.MISSING_CREDENTIALS, "the Authorization header must use the Bearer scheme");
        }
        return value.substring(BEARER.length()).trim();
    }
}
