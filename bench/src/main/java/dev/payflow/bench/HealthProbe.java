package dev.payflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Asks the management port for {@code /health} every {@link #INTERVAL_MS} ms on a connection of its
 * own while a row runs, so the table can show whether a saturated API port slows the port that
 * Kubernetes' liveness probe and Prometheus use. Answers other than 200 count as failures.
 */
final class HealthProbe implements AutoCloseable {
    static final long INTERVAL_MS = 50;

    /** What the probe saw during one row. */
    record Result(String workload, String transport, int clients, int probes, int failures, double p50Ms, double p99Ms, double maxMs) {
        String line() {
            return String.format("%-26s %-5s %7d %7d probes, %d failed: /health p50 %.2f ms, p99 %.2f ms, max %.1f ms", workload, transport, clients,
                    probes, failures, p50Ms, p99Ms, maxMs);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final HttpRequest request;
    private final List<Double> latenciesMs = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;
    private volatile int failures;

    HealthProbe(int managementPort) {
        this.request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health")).timeout(Duration.ofSeconds(5)).GET().build();
        this.thread = new Thread(this::probe, "bench-health-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void probe() {
        while (running) {
            long start = System.nanoTime();
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    latenciesMs.add((System.nanoTime() - start) / 1e6);
                } else {
                    failures++;
                }
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failures++;
            }
        }
    }

    Result result(String workload, String transport, int clients) {
        List<Double> sorted;
        synchronized (latenciesMs) {
            sorted = new ArrayList<>(latenciesMs);
        }
        Collections.sort(sorted);
        return new Result(workload, transport, clients, sorted.size() + failures, failures, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1));
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}
