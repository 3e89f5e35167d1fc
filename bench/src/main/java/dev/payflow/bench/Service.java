package dev.payflow.bench;

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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real service, {@code java -jar payflow-core.jar}, as a child process with its own CPU and
 * memory, which this class reads from /proc. It inherits this process's environment, so
 * {@code PAYFLOW_GROUP_COMMIT_ENABLED=false scripts/bench.sh} measures the service without group commit.
 */
final class Service implements AutoCloseable {
    private static final String SERVICE_HEAP = "-Xmx1g";
    private static final Pattern EMBEDDED_PORT = Pattern.compile("using the embedded PostgreSQL on port (\\d+)");

    final int grpcPort;
    final int httpPort;
    final int managementPort;
    private final Settings settings;
    private final String adminToken;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

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

    void start() throws IOException, InterruptedException {
        if (!Files.isRegularFile(settings.serviceJar())) {
            throw new IOException("service jar " + settings.serviceJar().toAbsolutePath() + " does not exist (expected: built by scripts/bench.sh)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), SERVICE_HEAP));
        // bench.serviceJvmArgs: extra JVM options for the service only, e.g. a profiler agent (BENCHMARKS.md).
        for (String option : System.getProperty("bench.serviceJvmArgs", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        command.addAll(List.of("-jar", settings.serviceJar().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("PAYFLOW_ENVIRONMENT", "development");
        env.put("PAYFLOW_GRPC_PORT", Integer.toString(grpcPort));
        env.put("PAYFLOW_HTTP_PORT", Integer.toString(httpPort));
        env.put("PAYFLOW_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("PAYFLOW_ADMIN_TOKEN", adminToken);
        // The harness measures the service, not its per-partner rate limit (100/s by default): the one bench partner gets the
        // largest limit the service accepts, unless the caller set one.
        env.putIfAbsent("PAYFLOW_RATE_LIMIT_PER_SECOND", "1000000");
        env.putIfAbsent("PAYFLOW_RATE_LIMIT_BURST", "1000000");
        env.put("PAYFLOW_DATA_DIR", settings.runDirectory().resolve("data").toAbsolutePath().toString());
        env.remove("PAYFLOW_ADMIN_PORT");
        process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> process.destroyForcibly()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Settings.SERVICE_START_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the service exited with " + process.exitValue() + " before it was healthy; see " + log);
            }
            if (healthy()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("the service was not healthy within " + Settings.SERVICE_START_TIMEOUT_MS + " ms; see " + log);
    }

    private boolean healthy() throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The port of the embedded PostgreSQL the service started, from its log. */
    int embeddedDatabasePort() throws IOException {
        Matcher matcher = EMBEDDED_PORT.matcher(Files.readString(log));
        if (!matcher.find()) {
            throw new IOException("the service's log names no embedded PostgreSQL port; see " + log);
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** The service process's pid, for {@link CpuMeter}. */
    long pid() {
        return process.pid();
    }

    /** Resident memory of the service process, in MiB. */
    double residentMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}
