package dev.payflow.bench;

import java.util.Map;

/**
 * One measured row: a workload over a transport at a client count. {@code ratioToBaseline} is the
 * row's rate over the SQL-function baseline's at the same client count, in this run. CPU per 1,000
 * operations: the service's whole process ({@code cpu}), of it the JIT compiler's threads
 * ({@code jit}: warm-up still going on), PostgreSQL's processes ({@code db}) and this harness's
 * clients ({@code hns}), see {@link CpuMeter}.
 */
record Row(String workload, String transport, int clients, long operations, double opsPerSecond, double p50Ms, double p90Ms, double p99Ms,
        double maxMs, Map<String, Long> errorsByReason, double serviceCpuSecondsPer1000, double serviceResidentMib, double ratioToBaseline,
        double compilerCpuSecondsPer1000, double databaseCpuSecondsPer1000, double harnessCpuSecondsPer1000) {
    static final String HEADING = String.format("%-26s %-5s %7s %9s %8s %8s %8s %8s %10s %8s %8s %8s %8s %7s  %s", "workload", "via", "clients",
            "ops/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu s/1k", "jit s/1k", "db s/1k", "hns s/1k", "rss MiB", "x base", "errors");

    String line() {
        return String.format("%-26s %-5s %7d %9.0f %8.2f %8.2f %8.2f %8.1f %10.3f %8.3f %8.3f %8.3f %8.0f %7.2f  %s", workload, transport, clients,
                opsPerSecond, p50Ms, p90Ms, p99Ms, maxMs, serviceCpuSecondsPer1000, compilerCpuSecondsPer1000, databaseCpuSecondsPer1000,
                harnessCpuSecondsPer1000, serviceResidentMib, ratioToBaseline, errorsByReason.isEmpty() ? "-" : errorsByReason);
    }
}
