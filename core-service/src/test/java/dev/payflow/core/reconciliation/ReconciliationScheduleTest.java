package dev.payflow.core.reconciliation;

import static dev.payflow.core.testing.FakeStripe.page;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.app.Reconciliation;
import dev.payflow.core.domain.ReconciliationRun;
import dev.payflow.core.persistence.ReconciliationRepository;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateReconciliationRunRequest;
import dev.payflow.proto.v1.ReconciliationServiceGrpc;
import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The daily run and the background worker's safety, on the injected clock: one run per UTC day
 * and mode however often (and by however many replicas) the schedule is asked, a run whose Stripe
 * refuses ends failed with the reason, and a run left by a dead worker is taken over after its
 * lease. Stripe (a fake at the HTTP level) lists nothing here; the books are empty.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconciliationScheduleTest {
    private static final Instant HALF_PAST_MIDNIGHT = Instant.parse("2026-11-20T00:30:00Z");
    private static final List<String> LIST_PATHS = List.of("/v1/payment_intents", "/v1/charges", "/v1/refunds", "/v1/disputes", "/v1/transfers",
            "/v1/payouts", "/v1/balance_transactions");
    private static FakeStripe stripe;
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), TestClock.frozenAt(HALF_PAST_MIDNIGHT));
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (stripe != null) {
            stripe.close();
        }
    }

    @BeforeEach
    void stripeListsNothing() {
        stripe.reset();
        for (String path : LIST_PATHS) {
            stripe.lists(path, Optional.empty(), Optional.empty(), page(path, false, List.of()));
        }
    }

    @Test
    @Order(1)
    void theRunOfThePreviousUtcDayIsQueuedOncePerDayAndModeHoweverOftenTheScheduleIsAsked() {
        Reconciliation reconciliation = payflow.server().reconciliation();
        assertThat(reconciliation.scheduleDaily()).as("not before an hour after midnight UTC").isZero();

        payflow.clock().advance(Duration.ofHours(1));
        int first = reconciliation.scheduleDaily();
        int again = reconciliation.scheduleDaily();

        assertThat(first).as("one for sandbox, one for production").isEqualTo(2);
        assertThat(again).as("the day's runs exist: another replica's tick makes none").isZero();
        List<ReconciliationRun> runs = reconciliation.list(0, "").items();
        assertThat(runs).hasSize(2).allSatisfy(run -> {
            assertThat(run.trigger()).isEqualTo(ReconciliationRun.Trigger.SCHEDULE);
            assertThat(run.startedBy()).isEqualTo("schedule");
            assertThat(run.from()).isEqualTo(Instant.parse("2026-11-19T00:00:00Z"));
            assertThat(run.to()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
            assertThat(run.status()).isEqualTo(ReconciliationRun.Status.QUEUED);
        });
        assertThat(runs).extracting(ReconciliationRun::livemode).containsExactlyInAnyOrder(true, false);

        assertThat(reconciliation.runDue()).isEqualTo(2);
        assertThat(reconciliation.list(0, "").items()).allSatisfy(run -> {
            assertThat(run.status()).as(run.failureMessage()).isEqualTo(ReconciliationRun.Status.COMPLETED);
            assertThat(run.findingCount()).isZero();
        });

        payflow.clock().advance(Duration.ofDays(1));
        assertThat(reconciliation.scheduleDaily()).as("the next day has its own runs").isEqualTo(2);
        assertThat(reconciliation.scheduleDaily()).isZero();
        assertThat(reconciliation.list(0, "").items()).hasSize(4).first()
                .satisfies(newest -> assertThat(newest.scheduledDay()).hasValue(java.time.LocalDate.parse("2026-11-20")));
        assertThat(reconciliation.runDue()).isEqualTo(2);
    }

    @Test
    @Order(2)
    void aRunWhoseStripeRefusesToListEndsFailedWithTheReason() {
        stripe.reset();
        stripe.lists("/v1/payment_intents", Optional.empty(), Optional.empty(), page("/v1/payment_intents", false, List.of()));
        ReconciliationRun started = startRun();

        payflow.server().reconciliation().runDue();

        ReconciliationRun failed = payflow.server().reconciliation().get(started.id()).run();
        assertThat(failed.status()).isEqualTo(ReconciliationRun.Status.FAILED);
        assertThat(failed.failureMessage()).startsWith("listing charges failed");
        assertThat(failed.finishedAt()).isPresent();
    }

    @Test
    @Order(3)
    void aRunLeftRunningByADeadWorkerIsTakenOverAfterItsLeaseAndCompletedOnce() {
        ReconciliationRun started = startRun();
        Instant now = payflow.clock().instant();
        // A worker claims the run and dies before finishing it.
        Optional<ReconciliationRun> claimed = payflow.server().database().inTransaction(tx -> new ReconciliationRepository().claimRun(tx, now,
                now.plus(Duration.ofMinutes(30))));
        assertThat(claimed).hasValueSatisfying(run -> assertThat(run.id()).isEqualTo(started.id()));

        assertThat(payflow.server().reconciliation().runDue()).as("still leased to the dead worker").isZero();
        payflow.clock().advance(Duration.ofMinutes(31));
        assertThat(payflow.server().reconciliation().runDue()).isEqualTo(1);

        ReconciliationRun done = payflow.server().reconciliation().get(started.id()).run();
        assertThat(done.status()).isEqualTo(ReconciliationRun.Status.COMPLETED);
        assertThat(payflow.server().reconciliation().runDue()).isZero();
    }

    private static ReconciliationRun startRun() {
        Instant to = payflow.clock().instant();
        String id = TestServer.withBearer(ReconciliationServiceGrpc.newBlockingStub(payflow.channel()), TestServer.ADMIN_TOKEN)
                .createReconciliationRun(CreateReconciliationRunRequest.newBuilder().setFrom(timestamp(to.minus(Duration.ofHours(3))))
                        .setTo(timestamp(to)).setMode(ApiKey.Environment.sandbox).build()).getId();
        return payflow.server().reconciliation().get(id).run();
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
