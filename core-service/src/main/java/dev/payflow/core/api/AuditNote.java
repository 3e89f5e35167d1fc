package dev.payflow.core.api;

import dev.payflow.core.domain.Operator;

/**
 * What the audit record of one call collects on its way through the chain: the actor (from
 * authentication, or from the sign-in itself), the target, reason and before-state (from the
 * request), and the after-state (from the reply). One call, one thread at a time: the fields are
 * written in order as the call progresses and read once, when it closes.
 */
final class AuditNote {
    private volatile Operator actor;
    private volatile String target = "";
    private volatile String reason = "";
    private volatile String before = "{}";
    private volatile String after = "{}";
    private volatile String request = "{}";

    void actor(Operator operator) {
        this.actor = operator;
    }

    Operator actor() {
        return actor;
    }

    void request(String target, String reason, String requestJson, String beforeJson) {
        this.target = target;
        this.reason = reason;
        this.request = requestJson;
        this.before = beforeJson;
    }

    private volatile boolean creates;

    /** For calls that create their target (the request names no {@code id} of its own): the reply's id, once known. */
    void creates(boolean value) {
        this.creates = value;
    }

    void targetIfNone(String id) {
        if (target.isEmpty() || (creates && !id.isEmpty())) {
            this.target = id;
            this.creates = false;
        }
    }

    void after(String json) {
        this.after = json;
    }

    String target() {
        return target;
    }

    String reason() {
        return reason;
    }

    String before() {
        return before;
    }

    String after() {
        return after;
    }

    String request() {
        return request;
    }
}
