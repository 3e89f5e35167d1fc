package dev.payflow.core.fuzz;

import java.nio.charset.StandardCharsets;

/**
 * Reads a fuzz input as a few choices and a text, the same way under Jazzer and under {@link BoundedFuzz},
 * so a corpus file means the same thing to both: the first bytes are choices, the rest is UTF-8 text
 * (malformed sequences become U+FFFD, as a server decoding it would see them).
 */
final class FuzzBytes {
    private final byte[] data;
    private int position;

    FuzzBytes(byte[] data) {
        this.data = data;
    }

    /** The next byte as 0..bound-1 (0 when the input is used up). */
    int choice(int bound) {
        return position < data.length ? (data[position++] & 0xff) % bound : 0;
    }

    /** Everything not yet read, as text. */
    String restAsText() {
        String text = new String(data, position, data.length - position, StandardCharsets.UTF_8);
        position = data.length;
        return text;
    }

    /** Everything not yet read, as bytes. */
    byte[] restAsBytes() {
        byte[] rest = java.util.Arrays.copyOfRange(data, position, data.length);
        position = data.length;
        return rest;
    }
}
