package dev.payflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where a row's CPU went, from /proc: the service process (and, of it, the JIT compiler's
 * threads), PostgreSQL's processes (every backend and helper process the database lists in
 * {@code pg_stat_activity}, when they run on this machine) and this harness itself. On two cores
 * the three share the machine, so a row's rate is bounded by their sum per operation.
 */
final class CpuMeter {
    /** Linux's USER_HZ: /proc counts CPU time in these ticks. */
    private static final double CLOCK_TICKS_PER_SECOND = 100;

    /** CPU seconds used so far; NaN where not measurable (no service, a database on another machine). */
    record Sample(double service, double compiler, Map<Long, Double> database, double harness) {
    }

    /** CPU seconds between two samples. */
    record Used(double service, double compiler, double database, double harness) {
    }

    private final Long servicePid;
    private final Database database;

    CpuMeter(Long servicePid, Database database) {
        this.servicePid = servicePid;
        this.database = database;
    }

    Sample sample() {
        double service = servicePid == null ? Double.NaN : seconds(Path.of("/proc/" + servicePid + "/stat"));
        double compiler = servicePid == null ? Double.NaN : compilerSeconds(servicePid);
        Map<Long, Double> databaseProcesses = new HashMap<>();
        for (long pid : databasePids()) {
            double used = seconds(Path.of("/proc/" + pid + "/stat"));
            if (!Double.isNaN(used)) {
                databaseProcesses.put(pid, used);
            }
        }
        return new Sample(service, compiler, databaseProcesses, seconds(Path.of("/proc/self/stat")));
    }

    /** What was used since {@code before}; the database's processes counted are those alive at both samples. */
    Used since(Sample before) {
        Sample now = sample();
        double database = Double.NaN;
        for (Map.Entry<Long, Double> process : before.database().entrySet()) {
            Double after = now.database().get(process.getKey());
            if (after != null) {
                database = (Double.isNaN(database) ? 0 : database) + after - process.getValue();
            }
        }
        return new Used(now.service() - before.service(), now.compiler() - before.compiler(), database, now.harness() - before.harness());
    }

    /** The pids of the database's processes, if they are processes of this machine named postgres; empty otherwise. */
    private long[] databasePids() {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity")) {
            java.util.List<Long> pids = new java.util.ArrayList<>();
            while (rows.next()) {
                long pid = rows.getLong(1);
                if (isPostgres(pid)) {
                    pids.add(pid);
                }
            }
            return pids.stream().mapToLong(Long::longValue).toArray();
        } catch (SQLException e) {
            return new long[0];
        }
    }

    private static boolean isPostgres(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim().startsWith("postgres");
        } catch (IOException e) {
            return false;
        }
    }

    /** The service's C1 and C2 compiler threads (their thread names start with "C1 Compiler" and "C2 Compiler"). */
    private static double compilerSeconds(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.filter(task -> {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    return name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler");
                } catch (IOException e) {
                    return false;
                }
            }).mapToDouble(task -> seconds(task.resolve("stat"))).filter(s -> !Double.isNaN(s)).sum();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** User plus system CPU seconds of a process or thread, from its stat(5) file. */
    private static double seconds(Path stat) {
        try {
            String text = Files.readString(stat);
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            // Fields 14 and 15 of stat(5), counted from the state field (3) after the command name.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
