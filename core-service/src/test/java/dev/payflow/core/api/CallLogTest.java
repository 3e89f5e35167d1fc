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
                "OK", null, null, 12_345_600L);

        assertThat(lines).containsExactly("{\"time\":\"2026-12-04T10:00:00Z\",\"requestId\":\"req \\\"1\\\"\\u000a\",\"partnerId\":null,"
                + "\"mode\":null,\"method\":\"payflow.v1.WalletService/CreditWallet\",\"status\":\"OK\",\"reason\":null,\"adminToken\":null,"
                + "\"latencyMs\":12.346}");
    }

    @Test
    void latencyIsWrittenAsPercentPointThreeFWouldWriteIt() {
        assertThat(ms(0)).isEqualTo("0.000");
        assertThat(ms(499)).isEqualTo("0.000");
        assertThat(ms(500)).isEqualTo("0.001");
        assertThat(ms(400)).isEqualTo("0.000");
        assertThat(ms(600)).isEqualTo("0.001");
        assertThat(ms(50_000)).isEqualTo("0.050");
        assertThat(ms(7_999_900)).isEqualTo("8.000");
        assertThat(ms(1_234_500_000L)).isEqualTo("1234.500");
        assertThat(ms(-2_250_000)).isEqualTo("-2.250");
        // Away from a tie at the fourth decimal (where %.3f of the nearest double may round
        // either way), the two agree on every whole number of nanoseconds.
        SplittableRandom random = new SplittableRandom(20261204);
        for (int i = 0; i < 100_000; i++) {
            long nanos = random.nextLong(i < 50_000 ? 10_000_000L : 100_000_000_000L);
            if (nanos % 1000 == 500) {
                continue;
            }
            assertThat(ms(nanos)).as("%d ns", nanos).isEqualTo(String.format(Locale.ROOT, "%.3f", nanos / 1e6));
        }
    }

    private static String ms(long nanos) {
        return CallLog.milliseconds(new StringBuilder(), nanos).toString();
    }
}
