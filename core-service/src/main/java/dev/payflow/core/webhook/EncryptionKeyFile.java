package dev.payflow.core.webhook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Development's encryption key: generated once under the data folder and read back on every
 * start, so secrets stored in one run open in the next. Production never uses this (it refuses
 * to start without {@code PAYFLOW_ENCRYPTION_KEY}).
 */
public final class EncryptionKeyFile {
    static final String FILE_NAME = "encryption.key";

    private EncryptionKeyFile() {
    }

    /** The key in {@code dataDir/encryption.key}, created (base64, one line) if missing; safe when two processes race. */
    public static byte[] loadOrCreate(Path dataDir, SecureRandom random) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                byte[] key = new byte[SecretBox.KEY_BYTES];
                random.nextBytes(key);
                Path temporary = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
                Files.writeString(temporary, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    // A link is atomic and fails if another process got there first: then its key is the key.
                    Files.createLink(file, temporary);
                } catch (FileAlreadyExistsException e) {
                    // Theirs wins.
                } catch (UnsupportedOperationException | IOException e) {
                    if (!Files.exists(file)) {
                        Files.move(temporary, file);
                    }
                } finally {
                    Files.deleteIfExists(temporary);
                }
            }
            byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (key.length != SecretBox.KEY_BYTES) {
                throw new IllegalStateException(file + " holds " + key.length + " bytes, expected " + SecretBox.KEY_BYTES);
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read or create the development encryption key " + file, e);
        }
    }
}
