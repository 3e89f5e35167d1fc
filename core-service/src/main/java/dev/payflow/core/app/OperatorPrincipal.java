package dev.payflow.core.app;

import dev.payflow.core.domain.Operator;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is calling an admin RPC: an operator's session (with its CSRF token and expiry), or the
 * admin token, which acts as {@link Operator#AUTOMATION_ID} with the admin role and needs no CSRF
 * token (it is never sent by a browser on its own).
 */
public record OperatorPrincipal(Operator operator, Optional<Session> session) {
    /** The session the call came with. */
    public record Session(String idHash, String csrfToken, Instant expiresAt, Instant idleExpiresAt) {
        public Session {
            Objects.requireNonNull(idHash, "idHash");
            Objects.requireNonNull(csrfToken, "csrfToken");
        }
    }

    public OperatorPrincipal {
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(session, "session");
    }

    public boolean bySession() {
        return session.isPresent();
    }
}
