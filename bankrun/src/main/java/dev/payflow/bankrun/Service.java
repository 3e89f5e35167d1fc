package dev.payflow.bankrun;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real service, {@code java -jar payflow-core.jar}, as a child process on fixed ports (the same
 * after every restart, so clients reconnect to it). Each start appends its output to one log.
 */
final class Service implements AutoCloseable {
    /** Enough for the service under this load; several engineers share the machine. */
    private static final String SERVICE_HEAP = "-Xmx512m";

    final int grpcPort;
    final int httpPort;
    final int managementPort;
    private final Settings settings;
    private final String adminToken;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile Process process;
    private int starts;

    Service(Settings settings, String adminToken) throws IOException {
        this.settings = settings;
        this.adminToken = adminToken;
        this.grpcPort = freePort();
        this.httpPort = freePort();
        this.managementPort = freePort();
        Files.createDirectories(settings.runDirectory());
        this.log = settings.runDirectory().resolve("service.log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Process current() {
        return process;
    }

    Path log() {
        return log;
    }

    /** Starts the jar and waits until /health answers 200 (the database answers too). */
    void start() throws IOException, InterruptedException {
        if (!Files.isRegularFile(settings.serviceJar())) {
            throw new IOException("service jar " + settings.serviceJar().toAbsolutePath() + " does not exist (expected: built by ./mvnw -B -DskipTests package)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                SERVICE_HEAP, "-jar", settings.serviceJar().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("PAYFLOW_ENVIRONMENT", "development");
        env.put("PAYFLOW_GRPC_PORT", Integer.toString(grpcPort));
        env.put("PAYFLOW_HTTP_PORT", Integer.toString(httpPort));
        env.put("PAYFLOW_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("PAYFLOW_ADMIN_TOKEN", adminToken);
        env.put("PAYFLOW_DATA_DIR", settings.runDirectory().resolve("data").toString());
        env.put("PAYFLOW_DATABASE_URL", settings.databaseUrl());
        // The bank run proves the books under faults, not the per-partner rate limit (100/s by default): its checks read every
        // wallet back to back and were refused with 429 once the service got fast enough. The one partner gets the largest
        // limit the service accepts, unless the caller set one.
        env.putIfAbsent("PAYFLOW_RATE_LIMIT_PER_SECOND", "1000000");
        env.putIfAbsent("PAYFLOW_RATE_LIMIT_BURST", "1000000");
        putIfSet(env, "PAYFLOW_DATABASE_USER", settings.databaseUser());
        putIfSet(env, "PAYFLOW_DATABASE_PASSWORD", settings.databasePassword());
        env.remove("PAYFLOW_ADMIN_PORT");
        starts++;
        Files.writeString(log, "\n==== bank run: start " + starts + " ====\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = builder.start();
        if (starts == 1) {
            // If the harness dies (an error, Ctrl-C), the service it started must not outlive it.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> current().destroyForcibly()));
        }
        awaitHealthy();
    }

    private static void putIfSet(Map<String, String> env, String name, String value) {
        if (value != null) {
            env.put(name, value);
        }
    }

    /** Waits until /health answers 200, failing if the process dies or the timeout passes. */
    void awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Settings.SERVICE_START_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IOException("the service exited with " + process.exitValue() + " before it was healthy; see " + log);
            }
            if (healthy()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("the service was not healthy within " + Settings.SERVICE_START_TIMEOUT_MS + " ms; see " + log);
    }

    boolean healthy() throws InterruptedException {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL: no shutdown hook, no draining, whatever was in flight is cut off. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, the orderly stop, at the end of the run. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}
