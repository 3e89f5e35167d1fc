package dev.payflow.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The bounded part of a fuzz target's CI run. Jazzer's {@code @FuzzTest} outside {@code
 * JAZZER_FUZZ=1} only replays the committed seed corpus, and fuzzes only one target per JVM when
 * it does fuzz; so each target also has a plain JUnit test that runs this: a fixed number of
 * executions of the same target on inputs mutated from the corpus by a seeded {@link Random}. The
 * seed is printed, and {@code -Dpayflow.fuzz.seed=<seed>} replays a run exactly; a failing input is
 * reported in hex, ready to be saved into the corpus.
 */
final class BoundedFuzz {
    /** Executions per target in CI: with the corpus replay, well under the 60 s CI budget for all targets. */
    static final int DOMAIN_EXECUTIONS = 20_000;
    /** Through a real server each execution is an HTTP call and a few balance reads. */
    static final int SERVER_EXECUTIONS = 300;
    /** Longest generated input: longer than every limit the targets check (24-char amounts, 255-char keys, 200-char tokens). */
    private static final int INPUT_BYTES_MAX = 600;

    private BoundedFuzz() {
    }

    /** The seed of this run: {@code -Dpayflow.fuzz.seed}, else the clock. */
    static long seed() {
        String given = System.getProperty("payflow.fuzz.seed");
        return given != null ? Long.parseLong(given) : System.nanoTime();
    }

    /**
     * Runs {@code target} on every corpus input, then on {@code executions} inputs derived from them
     * with {@code seed}.
     */
    static int run(Class<?> test, String method, long seed, int executions, Consumer<byte[]> target) {
        List<byte[]> corpus = corpus(test, method);
        assertThat(corpus).as("seed corpus of %s.%s", test.getSimpleName(), method).isNotEmpty();
        System.out.printf("fuzz %s.%s: seed %d (replay with -Dpayflow.fuzz.seed=%d), %d corpus inputs, %d executions%n",
                test.getSimpleName(), method, seed, seed, corpus.size(), executions);
        Random random = new Random(seed);
        int runs = 0;
        for (byte[] input : corpus) {
            runOne(target, input, seed, -1);
            runs++;
        }
        for (int i = 0; i < executions; i++) {
            runOne(target, mutate(corpus.get(random.nextInt(corpus.size())), random), seed, i);
            runs++;
        }
        return runs;
    }

    private static void runOne(Consumer<byte[]> target, byte[] input, long seed, int execution) {
        try {
            target.accept(input);
        } catch (Throwable failure) {
            throw new AssertionError("fuzz input failed (seed " + seed + ", execution " + execution + "), hex "
                    + HexFormat.of().formatHex(input) + ": " + failure, failure);
        }
    }

    /** A few random edits of a corpus input: byte flips, interesting bytes, insertions, deletions, splices. */
    static byte[] mutate(byte[] original, Random random) {
        List<Byte> bytes = new ArrayList<>(original.length + 16);
        for (byte b : original) {
            bytes.add(b);
        }
        int edits = 1 + random.nextInt(6);
        for (int e = 0; e < edits; e++) {
            int at = bytes.isEmpty() ? 0 : random.nextInt(bytes.size() + 1);
            switch (random.nextInt(7)) {
                case 0 -> {
                    if (at < bytes.size()) {
                        bytes.set(at, (byte) (bytes.get(at) ^ (1 << random.nextInt(8))));
                    }
                }
                case 1 -> bytes.add(at, INTERESTING[random.nextInt(INTERESTING.length)]);
                case 2 -> {
                    if (at < bytes.size()) {
                        bytes.remove(at);
                    }
                }
                case 3 -> bytes.add(at, (byte) random.nextInt(256));
                case 4 -> {
                    int run = random.nextInt(64);
                    byte b = INTERESTING[random.nextInt(INTERESTING.length)];
                    for (int i = 0; i < run; i++) {
                        bytes.add(at, b);
                    }
                }
                case 5 -> {
                    // Duplicate a slice: repeats keys, digits, brackets.
                    if (!bytes.isEmpty()) {
                        int from = random.nextInt(bytes.size());
                        int to = Math.min(bytes.size(), from + 1 + random.nextInt(24));
                        bytes.addAll(at, new ArrayList<>(bytes.subList(from, to)));
                    }
                }
                default -> {
                    if (at < bytes.size()) {
                        bytes.set(at, (byte) ('0' + random.nextInt(10)));
                    }
                }
            }
        }
        int length = Math.min(bytes.size(), INPUT_BYTES_MAX);
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    /** Bytes that matter to the parsers under test: digits, signs, points, exponents, JSON syntax, NUL, UTF-8 lead bytes. */
    private static final byte[] INTERESTING = "0123456789.-+eE,:{}[]\"\\ \u0000:/=_".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    static {
        assertThat(INTERESTING).isNotEmpty();
    }

    /** The files of {@code src/test/resources/<package>/<Class>Inputs/<method>/}, as Jazzer reads them. */
    static List<byte[]> corpus(Class<?> test, String method) {
        String resource = test.getSimpleName() + "Inputs/" + method;
        URL url = test.getResource(resource);
        if (url == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            List<byte[]> inputs = new ArrayList<>();
            for (Path file : files.sorted().toList()) {
                inputs.add(Files.readAllBytes(file));
            }
            return inputs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
