package dev.payflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One partner at 5 times its limit does not slow another down: the quiet partner's median
 * latency with the storm, over its median without, stays under a tolerant bound (the machine is
 * shared, so the figure moves; the report prints it). The storm is paced by a scheduler at 100
 * calls a second against its limit of 20 (the default here); the quiet partner has a limit of its
 * own far above what it uses. On the real clock.
 */
class RateLimitStormTest {
    private static final int LIMIT_PER_SECOND = 20;
    private static final int STORM_PER_SECOND = 5 * LIMIT_PER_SECOND;
    private static final int SAMPLES = 100;
    /**
     * Each measurement lasts at least this long, and the storm runs this long before its
     * measurement begins, so its burst is spent and the storm is mostly refused whatever the
     * machine's speed (a fast machine made 100 samples in 0.3 s, inside the storm's burst).
     */
    private static final long MEASURE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Tolerant: the machine is shared; the limiter refusing before authentication gave 1.05 to 1.87 here, without it 2.63. */
    private static final double RATIO_MAX = 2.5;
    private static TestServer payflow;
    private static TestServer.PartnerKeys storming;
    private static TestServer.PartnerKeys quiet;

    @BeforeAll
    static void start() {
        payflow = TestServer.startWithTraffic(TestServer.TRAFFIC.withRateLimit(LIMIT_PER_SECOND, LIMIT_PER_SECOND), TestClock.system());
        storming = payflow.onboard(Partner.Status.active);
        quiet = payflow.onboard(Partner.Status.active);
        // The quiet partner calls back to back, well within a limit of its own.
        assertThat(payflow.rest("PATCH", "/api/admin/partners/" + quiet.partnerId(), TestServer.ADMIN_TOKEN,
                "{\"rateLimitPerSecond\":100000,\"rateLimitBurst\":100000}").status()).isEqualTo(200);
        payflow.newWallet(quiet.sandboxKey(), "USD");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aPartnerAtFiveTimesItsLimitDoesNotSlowAnotherPartnerDown() throws Exception {
        // Warm-up, so neither measurement pays for class loading or the first connections.
        quietMedianMicros(50);
        long without = quietMedianMicros(SAMPLES);

        AtomicInteger allowed = new AtomicInteger();
        AtomicInteger limited = new AtomicInteger();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        // Asynchronous calls, so the storm keeps its pace however slowly the machine answers.
        dev.payflow.proto.v1.WalletServiceGrpc.WalletServiceFutureStub stormStub = TestServer.withBearer(
                dev.payflow.proto.v1.WalletServiceGrpc.newFutureStub(payflow.channel()), storming.sandboxKey());
        ScheduledFuture<?> storm = pacer.scheduleAtFixedRate(() -> com.google.common.util.concurrent.Futures.addCallback(
                stormStub.listWallets(ListWalletsRequest.getDefaultInstance()), new com.google.common.util.concurrent.FutureCallback<>() {
                    @Override
                    public void onSuccess(dev.payflow.proto.v1.ListWalletsResponse result) {
                        allowed.incrementAndGet();
                    }

                    @Override
                    public void onFailure(Throwable failure) {
                        if (failure instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                            limited.incrementAndGet();
                        }
                    }
                }, callers), 0, 1_000_000 / STORM_PER_SECOND, TimeUnit.MICROSECONDS);
        long with;
        try {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(MEASURE_NANOS) / 2);
            with = quietMedianMicros(SAMPLES);
        } finally {
            storm.cancel(false);
            pacer.shutdownNow();
            callers.shutdown();
            callers.awaitTermination(10, TimeUnit.SECONDS);
        }

        double ratio = (double) with / without;
        System.out.printf("storm: quiet partner's median %d us without, %d us with a %d/s storm against %d/s (ratio %.2f); "
                + "storm calls allowed %d, limited %d%n", without, with, STORM_PER_SECOND, LIMIT_PER_SECOND, ratio, allowed.get(), limited.get());
        assertThat(limited.get()).as("the storm was mostly refused").isGreaterThan(allowed.get());
        assertThat(ratio).as("with / without").isLessThan(RATIO_MAX);
    }

    private static long quietMedianMicros(int samples) {
        List<Long> micros = new ArrayList<>(samples);
        long until = System.nanoTime() + MEASURE_NANOS;
        while (micros.size() < samples || System.nanoTime() < until) {
            long started = System.nanoTime();
            payflow.wallets(quiet.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance());
            micros.add((System.nanoTime() - started) / 1_000);
        }
        Collections.sort(micros);
        return micros.get(micros.size() / 2);
    }
}
