package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** A member of PayFlow's own team who signs in to the admin console. Never a partner. */
public record Operator(String id, String email, String displayName, OperatorRole role, Status status, Instant createdAt, Instant updatedAt) {
    /** The id the admin token acts as: automation, not a person. */
    public static final String AUTOMATION_ID = "automation";

    public enum Status {
        ACTIVE,
        DISABLED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Status> fromWireName(String name) {
            return Arrays.stream(values()).filter(status -> status.wireName().equals(name)).findFirst();
        }
    }

    public Operator {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** The identity of the admin token: a named automation actor with the admin role. */
    public static Operator automation(Instant now) {
        return new Operator(AUTOMATION_ID, "", "Automation (admin token)", OperatorRole.ADMIN, Status.ACTIVE, now, now);
    }

    /** The identity of one named admin token: the token named {@code default} (a bare secret) is the automation actor as before. */
    public static Operator automation(Instant now, String tokenName) {
        if (tokenName.equals("default")) {
            return automation(now);
        }
        return new Operator(AUTOMATION_ID + ":" + tokenName, "", "Automation (admin token " + tokenName + ")", OperatorRole.ADMIN,
                Status.ACTIVE, now, now);
    }
}
