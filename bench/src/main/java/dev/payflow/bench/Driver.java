package dev.payflow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/** Runs one row: a warm-up, then a fixed time with N client threads, each calling and waiting in a loop (a closed loop). */
final class Driver {
    /** Latencies kept per client; beyond this a client still counts its calls but stops recording their latency. */
    private static final int LATENCIES_PER_CLIENT_MAX = 1 << 20;

    private Driver() {
    }

    /** One call; a refusal or failure is thrown as a {@link Clients.Refused} with its reason, or as anything else (counted by class). */
    @FunctionalInterface
    interface Operation {
        void run(int client) throws Exception;
    }

    static Row measure(String workload, String transport, int clients, Settings settings, Operation operation, CpuMeter cpu,
            double baselineRate) throws InterruptedException {
        return measure(workload, transport, clients, settings, operation, cpu, baselineRate, 1, () -> Double.NaN);
    }

    /**
     * @param unitsPerCall what one call does, counted in the row's operations: the transfers of a
     *     batch call, so that a batch row's rate is transfers per second; its latencies stay per call
     * @param serviceResidentMib the service's resident memory, read once the row has run
     */
    static Row measure(String workload, String transport, int clients, Settings settings, Operation operation, CpuMeter cpu,
            double baselineRate, int unitsPerCall, DoubleSupplier serviceResidentMib) throws InterruptedException {
        drive(operation, clients, settings.warmupMs(), null, null);
        CpuMeter.Sample cpuBefore = cpu.sample();
        List<long[]> latencies = new ArrayList<>();
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        long[] counts = new long[clients];
        long started = System.nanoTime();
        drive(operation, clients, settings.measureMs(), latencies, errors, counts);
        double seconds = (System.nanoTime() - started) / 1e9;
        CpuMeter.Used used = cpu.since(cpuBefore);
        long operations = Arrays.stream(counts).sum() * unitsPerCall;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).filter(v -> v > 0).sorted().toArray();
        double rate = operations / seconds;
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((reason, count) -> errorCounts.put(reason, count.get()));
        return new Row(workload, transport, clients, operations, rate, percentile(all, 50), percentile(all, 90), percentile(all, 99),
                all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6, errorCounts, per1000(used.service(), operations), serviceResidentMib.getAsDouble(),
                rate / baselineRate, per1000(used.compiler(), operations), per1000(used.database(), operations), per1000(used.harness(), operations));
    }

    private static double per1000(double seconds, long operations) {
        return operations == 0 ? Double.NaN : seconds * 1000 / operations;
    }

    private static void drive(Operation operation, int clients, long durationMs, List<long[]> latencies, Map<String, AtomicLong> errors)
            throws InterruptedException {
        drive(operation, clients, durationMs, latencies, errors, new long[clients]);
    }

    private static void drive(Operation operation, int clients, long durationMs, List<long[]> latencies, Map<String, AtomicLong> errors,
            long[] counts) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMs);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            long[] mine = latencies == null ? null : new long[LATENCIES_PER_CLIENT_MAX];
            if (latencies != null) {
                latencies.add(mine);
            }
            Thread thread = new Thread(() -> {
                int n = 0;
                long done = 0;
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        operation.run(client);
                        if (mine != null && n < mine.length) {
                            mine[n++] = System.nanoTime() - start;
                        }
                        done++;
                    } catch (Clients.Refused refused) {
                        count(errors, refused.reason);
                    } catch (Exception e) {
                        count(errors, e.getClass().getSimpleName());
                    }
                }
                counts[client] = done;
            }, "bench-client-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private static void count(Map<String, AtomicLong> errors, String reason) {
        if (errors != null) {
            errors.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        }
    }

    private static double percentile(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, index)] / 1e6;
    }
}
