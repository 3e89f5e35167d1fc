package dev.payflow.core.domain;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A partner's free-form JSON object, as canonical JSON text (keys sorted, no insignificant
 * whitespace), with the number of its top-level keys. Checked against the limits when a command
 * validates itself, so its error takes its place in the command's error precedence.
 */
public record Metadata(String json, int topLevelKeys, Optional<String> problem) {
    public static final Metadata EMPTY = new Metadata("{}", 0);

    public Metadata {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(problem, "problem");
    }

    public Metadata(String json, int topLevelKeys) {
        this(json, topLevelKeys, Optional.empty());
    }

    /**
     * Metadata that cannot be stored as sent (a NUL character, a number that is not finite),
     * refused with INVALID_FIELD when the command validates it, so the error keeps its place in
     * the command's precedence and nothing is recorded.
     */
    public static Metadata invalid(String problem) {
        return new Metadata("{}", 0, Optional.of(problem));
    }

    public Metadata validated() {
        if (problem.isPresent()) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "metadata: %s", problem.get());
        }
        if (topLevelKeys > Limits.METADATA_KEYS_MAX) {
            throw PayflowException.of(ErrorReason.METADATA_TOO_LARGE, "metadata: %d keys (expected: at most %d)", topLevelKeys, Limits.METADATA_KEYS_MAX);
        }
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.METADATA_BYTES_MAX) {
            throw PayflowException.of(ErrorReason.METADATA_TOO_LARGE, "metadata: %d bytes as JSON (expected: at most %d)", bytes, Limits.METADATA_BYTES_MAX);
        }
        // After the size checks, so the scan is bounded; keys, strings and numbers alike.
        CardData.refuseIn(json, "metadata");
        return this;
    }
}
