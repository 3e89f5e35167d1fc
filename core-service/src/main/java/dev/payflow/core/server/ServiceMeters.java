package dev.payflow.core.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.function.BooleanSupplier;

/**
 * The process's own meters: JVM (memory, threads, GC, classes), process (CPU, uptime, open files),
 * and two gauges operators alert on: {@code payflow_database_reachable} (the last health check's
 * answer, at most a second old) and {@code payflow_ready} (what {@code /ready} answers now).
 */
final class ServiceMeters implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    ServiceMeters(MeterRegistry meters, BooleanSupplier databaseReachable, BooleanSupplier ready) {
        // Two of ProcessorMetrics' names break Prometheus's naming rules (promtool check metrics):
        // an abbreviated unit (process_cpu_time_ns) and a gauge ending in _count (system_cpu_count).
        meters.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        gc.bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
        Gauge.builder("payflow.database.reachable", () -> databaseReachable.getAsBoolean() ? 1 : 0)
                .description("1 if the database answered the last health check (every second), else 0").register(meters);
        Gauge.builder("payflow.ready", () -> ready.getAsBoolean() ? 1 : 0)
                .description("1 if /ready answers 200 (database reachable, migrated, not shutting down), else 0").register(meters);
    }

    @Override
    public void close() {
        gc.close();
    }
}
