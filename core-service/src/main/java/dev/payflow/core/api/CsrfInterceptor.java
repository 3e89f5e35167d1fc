package dev.payflow.core.api;

import dev.payflow.core.app.OperatorPrincipal;
import dev.payflow.core.app.OperatorSessions;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Objects;
import java.util.Set;

/**
 * Refuses a state-changing operator call made with a session cookie unless it carries the
 * session's CSRF token in {@code X-CSRF-Token}: a browser sends the cookie with any cross-site
 * request, but only our own console's script can read the token. Calls whose REST rule is a GET
 * change nothing and pass; calls with the admin token carry no cookie and need no token. Runs
 * after {@link AuthenticationInterceptor}, whose operator it reads.
 */
final class CsrfInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> CSRF_TOKEN = Metadata.Key.of("x-csrf-token", Metadata.ASCII_STRING_MARSHALLER);

    private final Set<String> safeMethods;
    private final AuthFailures failures;

    /** @param safeMethods full names of the methods whose REST rule is a GET */
    CsrfInterceptor(Set<String> safeMethods, AuthFailures failures) {
        this.safeMethods = Set.copyOf(safeMethods);
        this.failures = Objects.requireNonNull(failures, "failures");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        OperatorPrincipal operator = CallContext.OPERATOR.get();
        String method = call.getMethodDescriptor().getFullMethodName();
        if (operator != null && operator.bySession() && !safeMethods.contains(method)
                && !OperatorSessions.csrfTokenMatches(operator, headers.get(CSRF_TOKEN))) {
            PayflowException refused = PayflowException.of(ErrorReason.CSRF_TOKEN_INVALID,
                    "this request needs the session's CSRF token in X-CSRF-Token (GET /api/csrf-token)");
            failures.recordIfRefusal(refused, method);
            throw refused;
        }
        return next.startCall(call, headers);
    }
}
