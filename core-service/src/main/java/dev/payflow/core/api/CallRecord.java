package dev.payflow.core.api;

import dev.payflow.core.domain.PartnerScope;
import io.grpc.Context;

/**
 * What the inner interceptors learn about a call that the outer {@link CallMetricsInterceptor}
 * reports when the call closes: who the partner was. The outer interceptor cannot read the inner
 * ones' context values, so it hands them this holder through the context instead.
 */
final class CallRecord {
    /** Written by {@link CallMetricsInterceptor}; filled in by {@link RateLimitInterceptor}. */
    static final Context.Key<CallRecord> KEY = Context.key("payflow-call-record");

    private volatile PartnerScope partner;
    private volatile String presentedKeyHash;

    /** Written by {@link AuthGuardInterceptor}: the hash of the partner key presented, if one was. */
    void presentedKeyHash(String hash) {
        this.presentedKeyHash = hash;
    }

    String presentedKeyHash() {
        return presentedKeyHash;
    }

    void attribute(PartnerScope scope) {
        this.partner = scope;
    }

    /** The authenticated partner and mode, or null for operator, public and refused calls. */
    PartnerScope partner() {
        return partner;
    }

    /** Attributes the current call, if an outer interceptor is recording it. */
    static void attributeCurrent(PartnerScope scope) {
        CallRecord record = KEY.get();
        if (record != null) {
            record.attribute(scope);
        }
    }

    private volatile String adminTokenName;

    /** Written by {@link AuthenticationInterceptor}: the name of the admin token that authenticated the call. */
    static void attributeAdminTokenCurrent(String name) {
        CallRecord record = KEY.get();
        if (record != null) {
            record.adminTokenName = name;
        }
    }

    /** The admin token's name, or null for calls not made with one. */
    String adminTokenName() {
        return adminTokenName;
    }
}
