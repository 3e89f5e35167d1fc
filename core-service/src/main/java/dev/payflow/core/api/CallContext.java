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
    /** Written by {@link AuthenticationInterceptor} on RPCs whose sender signs the body: PayPal's five transmission headers. */
    static final Context.Key<dev.payflow.core.domain.PayPalTransmission> PAYPAL_TRANSMISSION = Context.key("payflow-paypal-transmission");
    /** Written by {@link IdempotencyKeyHeaderInterceptor}: the {@code Idempotency-Key} header, if sent. */
    static final Context.Key<String> IDEMPOTENCY_KEY_HEADER = Context.key("payflow-idempotency-key-header");

    /** Written by {@link AuthenticationInterceptor} on operator RPCs: the operator (or the admin token's automation identity). */
    static final Context.Key<dev.payflow.core.app.OperatorPrincipal> OPERATOR = Context.key("payflow-operator");
    /** Written by {@link AuthenticationInterceptor}: the {@code payflow_session} cookie the call came with, if any. */
    static final Context.Key<String> SESSION_COOKIE = Context.key("payflow-session-cookie");
    /** Written by {@link AuditInterceptor}: the caller's address as the listener saw it. */
    static final Context.Key<String> SOURCE_ADDRESS = Context.key("payflow-source-address");
    /** Written by {@link AuditInterceptor}: what the audit record of this call collects on its way through the chain. */
    static final Context.Key<AuditNote> AUDIT_NOTE = Context.key("payflow-audit-note");
    /** Written by {@link SetCookieInterceptor}: where a service leaves a {@code set-cookie} value for the response. */
    static final Context.Key<java.util.concurrent.atomic.AtomicReference<String>> SET_COOKIE = Context.key("payflow-set-cookie");

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

    /** The operator calling an operator RPC. Only operator RPCs have one; asking elsewhere is a bug. */
    static dev.payflow.core.app.OperatorPrincipal operator() {
        dev.payflow.core.app.OperatorPrincipal operator = OPERATOR.get();
        if (operator == null) {
            throw new IllegalStateException("no authenticated operator in this call's context");
        }
        return operator;
    }

    static String idempotencyKeyHeader() {
        String value = IDEMPOTENCY_KEY_HEADER.get();
        return value == null ? "" : value;
    }
}
