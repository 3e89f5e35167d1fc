package dev.payflow.core.app;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin tokens of {@code PAYFLOW_ADMIN_TOKEN}: a comma-separated list of {@code name:secret}
 * pairs, so a new token is deployed beside the old one and the old one removed later. A bare
 * secret (no colon) is the token named {@code default}. Each secret has at least 32 characters.
 */
public final class AdminTokens {
    public static final String DEFAULT_NAME = "default";
    public static final int SECRET_LENGTH_MIN = 32;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,50}");

    private record Token(String name, byte[] secret) {
    }

    private final List<Token> tokens;

    private AdminTokens(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    /** Parses the setting; a malformed one is refused with a message that names no secret. */
    public static AdminTokens parse(String setting) {
        List<Token> tokens = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String entry : setting.split(",", -1)) {
            String trimmed = entry.trim();
            int colon = trimmed.indexOf(':');
            String name = colon < 0 ? DEFAULT_NAME : trimmed.substring(0, colon).trim();
            String secret = colon < 0 ? trimmed : trimmed.substring(colon + 1).trim();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a token name must be 1..50 of [A-Za-z0-9._-] (entry " + (tokens.size() + 1) + ")");
            }
            if (secret.length() < SECRET_LENGTH_MIN) {
                throw new IllegalArgumentException("token " + name + ": " + secret.length() + " characters (expected: at least "
                        + SECRET_LENGTH_MIN + ")");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("token name " + name + " is given twice");
            }
            tokens.add(new Token(name, secret.getBytes(StandardCharsets.UTF_8)));
        }
        return new AdminTokens(tokens);
    }

    /** The name of the token presented, if it is one; every token is compared, each in constant time. */
    public Optional<String> nameOf(String presented) {
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Token token : tokens) {
            if (MessageDigest.isEqual(token.secret(), bytes) && found == null) {
                found = token.name();
            }
        }
        return Optional.ofNullable(found);
    }
}
