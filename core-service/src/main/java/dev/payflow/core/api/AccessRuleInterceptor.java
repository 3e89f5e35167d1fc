package dev.payflow.core.api;

import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.PayflowException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Objects;

/**
 * Checks that the authenticated caller may call this RPC, as its access rule says: a partner key
 * must carry the rule's permission, an operator must hold the rule's role (or a higher one).
 * Runs after {@link AuthenticationInterceptor}, whose context it reads; finding no caller there
 * for a rule that needs one is a bug in the chain, not the caller's fault.
 */
final class AccessRuleInterceptor implements ServerInterceptor {
    private final AccessRules rules;
    private final AuthFailures failures;

    AccessRuleInterceptor(AccessRules rules, AuthFailures failures) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.failures = Objects.requireNonNull(failures, "failures");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        try {
            check(rules.require(method));
        } catch (RuntimeException refused) {
            failures.recordIfRefusal(refused, method);
            throw refused;
        }
        return next.startCall(call, headers);
    }

    private static void check(AccessRules.Requirement requirement) {
        // An if-chain over the sealed requirement: pattern matching for switch needs Java 21.
        if (requirement instanceof AccessRules.PartnerPermission needed) {
            PartnerPrincipal principal = present(CallContext.PRINCIPAL.get(), "partner");
            if (needed.permission().isPresent() && !principal.permissions().contains(needed.permission().get())) {
                throw PayflowException.of(ErrorReason.MISSING_PERMISSION, "this API key lacks the permission %s",
                        needed.permission().get().wireName());
            }
        } else if (requirement instanceof AccessRules.Operator needed) {
            OperatorRole role = present(CallContext.OPERATOR_ROLE.get(), "operator");
            if (!role.includes(needed.role())) {
                throw PayflowException.of(ErrorReason.MISSING_PERMISSION, "this operator has the role %s (expected: %s or higher)",
                        role.wireName(), needed.role().wireName());
            }
        } else if (!(requirement instanceof AccessRules.SignedBySender) && !(requirement instanceof AccessRules.Public)) {
            // A signed sender's handler verifies the signature over the raw body; a public RPC is for anyone.
            throw new IllegalStateException("unhandled access requirement " + requirement);
        }
    }

    private static <T> T present(T caller, String what) {
        if (caller == null) {
            throw new IllegalStateException("no authenticated " + what + " in the call context: is AuthenticationInterceptor before AccessRuleInterceptor?");
        }
        return caller;
    }
}
