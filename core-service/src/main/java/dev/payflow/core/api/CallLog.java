package dev.payflow.core.api;

import dev.payflow.core.domain.PartnerScope;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One JSON line per call: time, requestId, partnerId, mode, method, status, reason, adminToken (the
 * admin token's name, never its secret), latencyMs.
 * Nothing else is ever written: no credential, no header, no request or response body, so no key,
 * secret or card number can reach the log through it.
 */
public final class CallLog {
    /** Writes nothing (tests, or an operator who turned it off). */
    public static final CallLog OFF = new CallLog(line -> {
    });

    private final Consumer<String> sink;

    private CallLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Lines go to standard output, each written whole, where the container runtime collects them. */
    public static CallLog toStandardOutput() {
        PrintStream out = System.out;
        return new CallLog(line -> {
            synchronized (out) {
                out.println(line);
            }
        });
    }

    public static CallLog to(Consumer<String> sink) {
        return new CallLog(Objects.requireNonNull(sink, "sink"));
    }

    boolean isOff() {
        return this == OFF;
    }

    void record(Instant time, String requestId, PartnerScope partner, String method, String status, String reason, String adminToken,
            long latencyNanos) {
        StringBuilder line = new StringBuilder(256).append('{');
        field(line, "time", time.toString()).append(',');
        field(line, "requestId", requestId).append(',');
        field(line, "partnerId", partner == null ? null : partner.partnerId()).append(',');
        field(line, "mode", partner == null ? null : partner.livemode() ? "production" : "sandbox").append(',');
        field(line, "method", method).append(',');
        field(line, "status", status).append(',');
        field(line, "reason", reason).append(',');
        field(line, "adminToken", adminToken).append(',');
        milliseconds(line.append("\"latencyMs\":"), latencyNanos).append('}');
        sink.accept(line.toString());
    }

    /**
     * A duration given in nanoseconds, written in milliseconds with three decimals, rounded half up
     * (as {@code %.3f} writes it in the root locale), by integer arithmetic, without a formatter:
     * every call writes one (BENCHMARKS.md, run 19).
     */
    static StringBuilder milliseconds(StringBuilder line, long nanos) {
        if (nanos < 0) {
            line.append('-');
        }
        long micros = (Math.abs(nanos) + 500) / 1000;
        line.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            line.append('0');
        }
        if (fraction < 10) {
            line.append('0');
        }
        return line.append(fraction);
    }

    private static StringBuilder field(StringBuilder line, String name, String value) {
        line.append('"').append(name).append("\":");
        if (value == null) {
            return line.append("null");
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        line.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        return line.append('"');
    }
}
