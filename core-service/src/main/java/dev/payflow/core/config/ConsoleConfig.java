package dev.payflow.core.config;

import java.util.Map;
import java.util.Optional;

/**
 * The admin console's settings (see README's configuration table). {@code production} refuses to
 * start without a session secret; development generates one per run (sessions then end on
 * restart) and, when no bootstrap password is given, generates the first admin's password and
 * prints it once.
 *
 * @param sessionSecret          the key that signs session cookies, at least 32 characters
 * @param bootstrapAdminEmail    the first admin's email, created at start-up if no operator has it
 * @param bootstrapAdminPassword the first admin's password (12..200 characters)
 */
public record ConsoleConfig(Optional<String> sessionSecret, Optional<String> bootstrapAdminEmail, Optional<String> bootstrapAdminPassword) {
    /** 32 characters: as for the admin token, enough that the key cannot be guessed. */
    public static final int SESSION_SECRET_LENGTH_MIN = 32;
    /** The first admin's email in development when none is given. */
    public static final String DEVELOPMENT_ADMIN_EMAIL = "admin@payflow.local";

    public static final ConsoleConfig NONE = new ConsoleConfig(Optional.empty(), Optional.empty(), Optional.empty());

    public ConsoleConfig {
        sessionSecret.ifPresent(secret -> {
            if (secret.length() < SESSION_SECRET_LENGTH_MIN) {
                throw new PayflowConfig.ConfigException("PAYFLOW_SESSION_SECRET: " + secret.length() + " characters (expected: at least "
                        + SESSION_SECRET_LENGTH_MIN + ")");
            }
        });
        if (bootstrapAdminPassword.isPresent() && bootstrapAdminEmail.isEmpty()) {
            throw new PayflowConfig.ConfigException("PAYFLOW_BOOTSTRAP_ADMIN_PASSWORD is set without PAYFLOW_BOOTSTRAP_ADMIN_EMAIL");
        }
    }

    public static ConsoleConfig fromEnvironment(Map<String, String> env) {
        return new ConsoleConfig(text(env, "PAYFLOW_SESSION_SECRET"), text(env, "PAYFLOW_BOOTSTRAP_ADMIN_EMAIL"),
                text(env, "PAYFLOW_BOOTSTRAP_ADMIN_PASSWORD"));
    }

    private static Optional<String> text(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(s -> !s.isEmpty());
    }
}
