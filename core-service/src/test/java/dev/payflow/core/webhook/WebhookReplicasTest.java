package dev.payflow.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.persistence.WebhookRepository;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.core.testing.WebhookReceiver;
import dev.payflow.proto.v1.GetEventRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PutWebhookEndpointRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WebhookEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several processes on one database: an event recorded by a process that stopped before sending
 * it is sent by the next one; a worker that died mid-attempt leaves it to another once its lease
 * ends; two workers at once never make the same attempt.
 */
class WebhookReplicasTest {
    private static final long REQUEST_TIMEOUT_MS = 5_000;

    private final TestClock clock = TestClock.frozenAt(Instant.now().truncatedTo(ChronoUnit.MICROS));
    private TestServer first;
    private WebhookReceiver receiver;
    private TestServer.PartnerKeys partner;

    @BeforeEach
    void start() {
        first = TestServer.startForWebhooks(clock, UrlGuard.HostResolver.SYSTEM, REQUEST_TIMEOUT_MS);
        receiver = WebhookReceiver.start();
        partner = first.onboard(Partner.Status.active);
        first.webhooks(partner.sandboxKey()).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder().setUrl(receiver.url("/hooks"))
                .addEventTypes("wallet.funds_added").build());
    }

    @AfterEach
    void stop() {
        receiver.close();
        first.close();
    }

    @Test
    void anEventRecordedBeforeTheProcessStoppedIsDeliveredByTheNextProcessOnTheSameDatabase() {
        Transaction credit = credit(first, "25.00");
        assertThat(receiver.received()).isEmpty();
        first.close();

        try (TestServer restarted = TestServer.startOn(first.database(), clock, UrlGuard.HostResolver.SYSTEM, REQUEST_TIMEOUT_MS)) {
            assertThat(restarted.server().webhookDelivery().deliverDue()).isPositive();
            assertThat(receiver.received()).hasSize(1);
            assertThat(receiver.received().get(0).body()).contains(credit.getId());
            WebhookEvent event = restarted.webhooks(partner.sandboxKey()).getEvent(GetEventRequest.newBuilder()
                    .setId(receiver.received().get(0).webhookId()).build());
            assertThat(event.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        }
    }

    @Test
    void anAttemptLeftUnfinishedByADeadWorkerIsMadeOnceItsLeaseEnds() {
        Transaction credit = credit(first, "3.00");
        // A worker claims the event and dies before it sends: its lease is all that is left.
        List<PartnerEvent> claimed = first.server().database().inTransaction(tx -> new WebhookRepository().claimDue(tx, clock.instant(), 100, 100,
                Map.of(), Duration.ofMillis(REQUEST_TIMEOUT_MS).plusSeconds(45)));
        assertThat(claimed).extracting(PartnerEvent::type).contains("wallet.funds_added");

        first.server().webhookDelivery().deliverDue();
        assertThat(receiver.received()).as("leased to the dead worker").isEmpty();
        clock.advance(Duration.ofSeconds(51));
        first.server().webhookDelivery().deliverDue();
        assertThat(receiver.received()).hasSize(1);
        assertThat(receiver.received().get(0).body()).contains(credit.getId());
    }

    @Test
    void twoWorkersOnOneDatabaseNeverSendTheSameAttemptTwice() throws Exception {
        int credits = 40;
        for (int i = 0; i < credits; i++) {
            credit(first, "1.00");
        }
        try (TestServer second = TestServer.startOn(first.database(), clock, UrlGuard.HostResolver.SYSTEM, REQUEST_TIMEOUT_MS)) {
            ExecutorService workers = Executors.newFixedThreadPool(2);
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<Integer>> runs = new ArrayList<>();
            for (TestServer replica : List.of(first, second)) {
                runs.add(workers.submit(() -> {
                    int sent = 0;
                    for (int round = 0; round < 30; round++) {
                        together.await();
                        sent += replica.server().webhookDelivery().deliverDue();
                    }
                    return sent;
                }));
            }
            int firstSent = runs.get(0).get();
            int secondSent = runs.get(1).get();
            workers.shutdown();
            assertThat(firstSent).as("the first replica took a share").isPositive();
            assertThat(secondSent).as("the second replica took a share").isPositive();
        }
        assertThat(receiver.countsById()).hasSize(credits);
        assertThat(receiver.countsById().values()).as("each event arrived exactly once").containsOnly(1);
        List<WebhookEvent> events = first.webhooks(partner.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("wallet.funds_added")
                .setPageSize(200).build()).getEventsList();
        assertThat(events).hasSize(credits).allSatisfy(e -> {
            assertThat(e.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
            assertThat(e.getAttemptCount()).isEqualTo(1);
        });
    }

    private Transaction credit(TestServer server, String amount) {
        Wallet wallet = server.newWallet(partner.sandboxKey(), "USD");
        return server.credit(partner.sandboxKey(), wallet.getId(), amount, "USD");
    }
}
