package dev.payflow.bankrun;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The run's counters, and the violations it found; thread-safe. */
final class Tally {
    /** Violations printed in full; the rest are counted. Enough to show a pattern without flooding the log. */
    private static final int VIOLATIONS_PRINTED_MAX = 50;

    final AtomicLong attempted = new AtomicLong();
    final LongAdder acknowledged = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder gaveUp = new LongAdder();
    final LongAdder settledByFinalRetry = new LongAdder();
    final LongAdder givenUpFoundIn = new LongAdder();
    final LongAdder givenUpFoundOut = new LongAdder();
    final LongAdder grpcCalls = new LongAdder();
    final LongAdder restCalls = new LongAdder();
    int kills;
    int postgresRestarts;
    int checks;
    final Map<String, LongAdder> retryCauses = new ConcurrentHashMap<>();
    final Map<String, LongAdder> refusalReasons = new ConcurrentHashMap<>();
    private final List<String> violations = new ArrayList<>();

    void retried(String cause) {
        retries.increment();
        retryCauses.computeIfAbsent(cause, c -> new LongAdder()).increment();
    }

    void refusedBy(String reason) {
        refused.increment();
        refusalReasons.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    synchronized void violation(String where, String what) {
        violations.add(where + ": " + what);
        if (violations.size() <= VIOLATIONS_PRINTED_MAX) {
            System.out.println("VIOLATION " + where + ": " + what);
        } else if (violations.size() == VIOLATIONS_PRINTED_MAX + 1) {
            System.out.println("VIOLATION ... more violations are counted but not printed");
        }
    }

    synchronized int violationCount() {
        return violations.size();
    }

    static Map<String, Long> sorted(Map<String, LongAdder> counts) {
        Map<String, Long> sorted = new TreeMap<>();
        counts.forEach((k, v) -> sorted.put(k, v.sum()));
        return sorted;
    }
}
