package dev.payflow.core.app;

import java.util.Objects;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * Operators' passwords as Argon2id hashes (Spring Security's encoder over Bouncy Castle), in the
 * standard encoded form that carries its own salt and cost, so the cost can be raised later
 * without invalidating stored hashes.
 */
public final class PasswordHasher {
    /** Spring Security's current defaults: 16-byte salt, 32-byte hash, 1 lane, 16 MiB, 2 passes (OWASP's minimum). */
    private final Argon2PasswordEncoder encoder = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
    /** Checked against when the email is unknown, so an unknown email costs as long as a wrong password. */
    private final String decoy = encoder.encode("payflow-decoy-password-that-no-one-has");

    public String hash(String password) {
        return encoder.encode(Objects.requireNonNull(password, "password"));
    }

    public boolean matches(String password, String hash) {
        return encoder.matches(Objects.requireNonNull(password, "password"), Objects.requireNonNull(hash, "hash"));
    }

    /** Spends the time of one check and answers false: for sign-ins that name no operator. */
    public boolean matchesNothing(String password) {
        encoder.matches(password, decoy);
        return false;
    }
}
