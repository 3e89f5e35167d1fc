package dev.payflow.core.api;

import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.domain.PartnerScope;
import io.grpc.Context;

/**
 * What the interceptor chain learned about a call, for the next interceptors and the service
 * implementations to read. Each key is written by exactly one interceptor (named below).
 */
final class CallContext {
    /** Written by {@link RequestIdInterceptor}: the caller's request id, or one we made up. */
    static final Context.Key<String> REQUEST_ID = Context.key("payflow-request-id");
    /** Written by {@link AuthenticationInterceptor} on partner RPCs. */
    static final Context.Key<PartnerPrincipal> PRINCIPAL = Context.key("payflow-principal");
    /** Written by {@link AuthenticationInterceptor} on operator RPCs: the role the credential carries. */
    static final Context.Key<OperatorRole> OPERATOR_ROLE = Context.key("payflow-operator-role");
    /** Written by {@link AuthenticationInterceptor} on RPCs whose sender signs the body (the Stripe webhook). */
    static final Context.Key<String> STRIPE_SIGNATURE = Context.key("payflow-stripe-signature");
    /** Written by {@link IdempotencyKeyHeaderInterceptor}: the {@code Idempotency-Key} header, if sent. */
    static final Context.Key<String> IDEMPOTENCY_KEY_HEADER = Context.key("payflow-idempotency-key-header");

    private CallContext() {
    }

    /** The caller's partner and livemode. Only partner RPCs have one; asking elsewhere is a bug. */
    static PartnerScope scope() {
        PartnerPrincipal principal = PRINCIPAL.get();
        if (principal == null) {
            throw new IllegalStateException("no authenticated partner in this call's context");
        }
        return principal.scope();
    }

    static String idempotencyKeyHeader() {
        String value = IDEMPOTENCY_KEY_HEADER.get();
        return value == null ? "" : value;
    }
}
