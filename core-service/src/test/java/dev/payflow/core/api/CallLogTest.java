package dev.payflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CallLogTest {

    @Test
    void aLineHoldsItsFieldsEscapedAndTheLatencyWithThreeDecimals() {
        List<String> lines = new ArrayList<>();
        CallLog.to(lines::add).record(Instant.parse("2026-12-04T10:00:00Z"), "req \"1\"\n", null, "payflow.v1.WalletService/CreditWallet",
                "OK", null, null, 12.3456);

        assertThat(lines).containsExactly("{\"time\":\"2026-12-04T10:00:00Z\",\"requestId\":\"req \\\"1\\\"\\u000a\",\"partnerId\":null,"
                + "\"mode\":null,\"method\":\"payflow.v1.WalletService/CreditWallet\",\"status\":\"OK\",\"reason\":null,\"adminToken\":null,"
                + "\"latencyMs\":12.346}");
    }

    @Test
    void latencyIsWrittenAsPercentPointThreeFWouldWriteIt() {
        assertThat(ms(0)).isEqualTo("0.000");
        assertThat(ms(0.0004)).isEqualTo("0.000");
        assertThat(ms(0.0006)).isEqualTo("0.001");
        assertThat(ms(0.05)).isEqualTo("0.050");
        assertThat(ms(7.9999)).isEqualTo("8.000");
        assertThat(ms(1234.5)).isEqualTo("1234.500");
        assertThat(ms(-2.25)).isEqualTo("-2.250");
        // The interceptor passes whole nanoseconds divided by a million; away from a tie at the
        // fourth decimal, the two agree on every one.
        SplittableRandom random = new SplittableRandom(20261204);
        for (int i = 0; i < 100_000; i++) {
            long nanos = random.nextLong(i < 50_000 ? 10_000_000L : 100_000_000_000L);
            if (nanos % 1000 == 500) {
                continue;
            }
            double latency = nanos / 1e6;
            assertThat(ms(latency)).as("%d ns", nanos).isEqualTo(String.format(Locale.ROOT, "%.3f", latency));
        }
    }

    @Test
    void aLatencyThatIsNotANumberIsWrittenAsNull() {
        assertThat(ms(Double.NaN)).isEqualTo("null");
        assertThat(ms(Double.POSITIVE_INFINITY)).isEqualTo("null");
    }

    private static String ms(double latency) {
        return CallLog.milliseconds(new StringBuilder(), latency).toString();
    }
}
