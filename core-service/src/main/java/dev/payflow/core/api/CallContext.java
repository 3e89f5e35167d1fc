package dev.payflow.core.api;

import dev.payflow.core.app.PartnerPrincipal;
import dev.payflow.core.domain.PartnerScope;
import io.grpc.Context;

/** What the access interceptor learned about a call, for the service implementations to read. */
final class CallContext {
    static final Context.Key<String> REQUEST_ID = Context.key("payflow-request-id");
    static final Context.Key<PartnerPrincipal> PRINCIPAL = Context.key("payflow-principal");
    static final Context.Key<String> IDEMPOTENCY_KEY_HEADER = Context.key("payflow-idempotency-key-header");
    static final Context.Key<String> STRIPE_SIGNATURE = Context.key("payflow-stripe-signature");

    private CallContext() {
    }

    /** The caller's partner and mode. Only partner RPCs have one; asking elsewhere is a bug. */
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
