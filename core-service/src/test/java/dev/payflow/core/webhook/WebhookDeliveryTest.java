package dev.payflow.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.core.testing.WebhookReceiver;
import dev.payflow.proto.v1.GetEventRequest;
import dev.payflow.proto.v1.GetWebhookEndpointRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PutWebhookEndpointRequest;
import dev.payflow.proto.v1.ReplayEventRequest;
import dev.payflow.proto.v1.RollWebhookSecretRequest;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WebhookAttempt;
import dev.payflow.proto.v1.WebhookEndpoint;
import dev.payflow.proto.v1.WebhookEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Delivery to a real local receiver that checks every signature with its own HMAC code: retries
 * on the clock's backoff (never a sleep), Retry-After, the last attempt, disabling, secret roll,
 * redirects, excerpts, replay, and a hanging endpoint beside a healthy one.
 */
class WebhookDeliveryTest {
    /** Short, so the hanging endpoint's attempt ends within the test; the production bound is 15 s. */
    private static final long REQUEST_TIMEOUT_MS = 3_000;

    private static TestServer payflow;
    private WebhookReceiver receiver;
    private TestServer.PartnerKeys partner;
    private String secret;

    @BeforeAll
    static void start() {
        payflow = TestServer.startForWebhooks(TestClock.frozenAt(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS)), UrlGuard.HostResolver.SYSTEM, REQUEST_TIMEOUT_MS);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @BeforeEach
    void partnerWithAnEndpoint() {
        receiver = WebhookReceiver.start();
        partner = payflow.onboard(Partner.Status.active);
        secret = setEndpoint(partner.sandboxKey(), receiver.url("/hooks/payflow")).getSecret();
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aSignedEventArrivesAfterTwoFailuresWithTheSameWebhookIdEachRetryOnTheClocksBackoff() {
        receiver.failNext(2);
        WebhookEvent event = fundsAdded(credit("12.00"));

        deliver();
        assertThat(receiver.received()).hasSize(1);
        WebhookEvent afterFirst = get(event.getId());
        assertThat(afterFirst.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.pending);
        Duration firstWait = Duration.between(payflow.clock().instant(), instant(afterFirst.getNextAttemptAt()));
        assertThat(firstWait).isBetween(Duration.ofMillis(4_500), Duration.ofMillis(5_500));

        deliver();
        assertThat(receiver.received()).as("not due before its backoff").hasSize(1);
        payflow.clock().advance(Duration.ofSeconds(6));
        deliver();
        assertThat(receiver.received()).hasSize(2);
        WebhookEvent afterSecond = get(event.getId());
        assertThat(Duration.between(payflow.clock().instant(), instant(afterSecond.getNextAttemptAt())))
                .isBetween(Duration.ofSeconds(270), Duration.ofSeconds(330));
        payflow.clock().advance(Duration.ofMinutes(6));
        deliver();

        List<WebhookReceiver.Received> received = receiver.received();
        assertThat(received).hasSize(3).extracting(WebhookReceiver.Received::answeredWith).containsExactly(500, 500, 200);
        assertThat(received).extracting(WebhookReceiver.Received::webhookId).containsOnly(event.getId());
        assertThat(received).allSatisfy(r -> assertThat(WebhookReceiver.signedWith(secret, r)).as("signature of " + r).isTrue());
        assertThat(received).extracting(WebhookReceiver.Received::body).containsOnly(received.get(0).body());
        assertThat(received.get(0).body()).contains("\"id\":\"" + event.getId() + "\"").contains("\"type\":\"wallet.funds_added\"")
                .contains("\"livemode\":false").contains("\"createdAt\":");

        WebhookEvent delivered = get(event.getId());
        assertThat(delivered.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        assertThat(delivered.getAttemptCount()).isEqualTo(3);
        assertThat(delivered.getAttemptsList()).extracting(WebhookAttempt::getNumber).containsExactly(1, 2, 3);
        assertThat(delivered.getAttemptsList()).extracting(WebhookAttempt::getHttpStatus).containsExactly(500, 500, 200);
        assertThat(delivered.getAttemptsList()).extracting(WebhookAttempt::getSucceeded).containsExactly(false, false, true);
        assertThat(delivered.getAttemptsList().get(0).getError()).isEqualTo("HTTP 500 (expected: 2xx)");
        assertThat(delivered.getAttemptsList().get(2).getResponseExcerpt()).isEqualTo("ok");
        assertThat(endpoint().getStatus()).isEqualTo(WebhookEndpoint.Status.active);
    }

    @Test
    void aRetryAfterLongerThanTheBackoffIsHonoured() {
        receiver.failNext(1, 503, Map.of("Retry-After", "120"));
        WebhookEvent event = fundsAdded(credit("1.00"));
        deliver();
        WebhookEvent pending = get(event.getId());
        assertThat(Duration.between(payflow.clock().instant(), instant(pending.getNextAttemptAt()))).isEqualTo(Duration.ofSeconds(120));
        assertThat(endpoint().getStatus()).isEqualTo(WebhookEndpoint.Status.failing);
        payflow.clock().advance(Duration.ofSeconds(60));
        deliver();
        assertThat(receiver.received()).hasSize(1);
        payflow.clock().advance(Duration.ofSeconds(61));
        deliver();
        assertThat(get(event.getId()).getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        assertThat(endpoint().getStatus()).isEqualTo(WebhookEndpoint.Status.active);
    }

    @Test
    void afterTheTenthFailedAttemptOverAboutThreeDaysTheEventIsFailed() {
        receiver.failNext(Integer.MAX_VALUE);
        WebhookEvent event = fundsAdded(credit("1.00"));
        deliver();
        for (Duration wait : WebhookDelivery.BACKOFF) {
            assertThat(get(event.getId()).getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.pending);
            payflow.clock().advance(Duration.ofMillis(Math.round(wait.toMillis() * 1.11)).plusSeconds(1));
            deliver();
        }
        WebhookEvent failed = get(event.getId());
        assertThat(failed.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.failed);
        assertThat(failed.getAttemptsList()).hasSize(WebhookDelivery.ATTEMPTS_MAX).allMatch(a -> !a.getSucceeded());
        assertThat(failed.hasNextAttemptAt()).isFalse();
        assertThat(receiver.received()).hasSize(10);
        // Less than five days of failures: failing, not yet disabled.
        assertThat(endpoint().getStatus()).isEqualTo(WebhookEndpoint.Status.failing);

        // A replay sends it once more, with the same webhook-id.
        receiver.failNext(0);
        WebhookEvent replayed = payflow.webhooks(partner.sandboxKey()).replayEvent(ReplayEventRequest.newBuilder().setEventId(event.getId()).build());
        assertThat(replayed.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        assertThat(replayed.getAttemptsList()).hasSize(11);
        assertThat(receiver.received()).hasSize(11).extracting(WebhookReceiver.Received::webhookId).containsOnly(event.getId());
    }

    @Test
    void anEndpointFailingForFiveDaysStraightIsDisabledAndSaysSoThenReceivesNothingUntilSetAgain() {
        receiver.failNext(Integer.MAX_VALUE);
        fundsAdded(credit("1.00"));
        deliver();
        assertThat(endpoint().getStatus()).isEqualTo(WebhookEndpoint.Status.failing);
        payflow.clock().advance(Duration.ofDays(5).plusMinutes(1));
        fundsAdded(credit("2.00"));
        deliver();
        WebhookEndpoint disabled = endpoint();
        assertThat(disabled.getStatus()).isEqualTo(WebhookEndpoint.Status.disabled);
        assertThat(disabled.getDisabledReason()).contains("every delivery attempt failed").contains("5 days");

        int before = receiver.received().size();
        WebhookEvent third = fundsAdded(credit("3.00"));
        deliver();
        assertThat(receiver.received()).hasSize(before);
        assertThat(get(third.getId()).getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.skipped);

        assertThat(setEndpoint(partner.sandboxKey(), receiver.url("/hooks/payflow")).getStatus()).isEqualTo(WebhookEndpoint.Status.active);
    }

    @Test
    void duringASecretsGracePeriodBothSecretsSignThenOnlyTheNewOne() {
        WebhookEndpoint rolled = payflow.webhooks(partner.sandboxKey()).rollWebhookSecret(RollWebhookSecretRequest.newBuilder()
                .setExpiresInHours(24).build());
        String newSecret = rolled.getSecret();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(secret);
        assertThat(rolled.hasPreviousSecretExpiresAt()).isTrue();

        fundsAdded(credit("1.00"));
        deliver();
        WebhookReceiver.Received duringGrace = receiver.received().get(0);
        assertThat(duringGrace.signatures()).hasSize(2);
        assertThat(duringGrace.signatures()).anyMatch(s -> WebhookReceiver.verifies(secret, duringGrace, s));
        assertThat(duringGrace.signatures()).anyMatch(s -> WebhookReceiver.verifies(newSecret, duringGrace, s));

        payflow.clock().advance(Duration.ofHours(25));
        fundsAdded(credit("2.00"));
        deliver();
        WebhookReceiver.Received afterGrace = receiver.received().get(1);
        assertThat(afterGrace.signatures()).hasSize(1);
        assertThat(WebhookReceiver.signedWith(newSecret, afterGrace)).isTrue();
        assertThat(WebhookReceiver.signedWith(secret, afterGrace)).isFalse();
    }

    @Test
    void aRedirectToAPrivateAddressIsNotFollowedAndTheAttemptFails() {
        receiver.failNext(1, 302, Map.of("Location", "http://10.0.0.1/steal"));
        WebhookEvent event = fundsAdded(credit("1.00"));
        deliver();
        WebhookAttempt attempt = get(event.getId()).getAttempts(0);
        assertThat(attempt.getSucceeded()).isFalse();
        assertThat(attempt.getHttpStatus()).isEqualTo(302);
        assertThat(attempt.getError()).contains("redirect to http://10.0.0.1/steal not followed");
        assertThat(receiver.received()).hasSize(1);
        assertThat(get(event.getId()).getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.pending);
    }

    @Test
    void aSandboxAnswersExcerptIsKeptToOneKibibyte() {
        receiver.answerBody("x".repeat(5_000));
        WebhookEvent event = fundsAdded(credit("1.00"));
        deliver();
        WebhookAttempt attempt = get(event.getId()).getAttempts(0);
        assertThat(attempt.getSucceeded()).isTrue();
        assertThat(attempt.getResponseExcerpt()).hasSize(WebhookDelivery.EXCERPT_BYTES_MAX);
    }

    @Test
    void aHangingEndpointDoesNotHoldUpAnotherPartnersEvents() throws Exception {
        WebhookReceiver hanging = WebhookReceiver.start().hang();
        try {
            TestServer.PartnerKeys slow = payflow.onboard(Partner.Status.active);
            setEndpoint(slow.sandboxKey(), hanging.url("/hang"));
            Wallet slowWallet = payflow.newWallet(slow.sandboxKey(), "USD");
            payflow.credit(slow.sandboxKey(), slowWallet.getId(), "1.00", "USD");
            WebhookEvent healthy = fundsAdded(credit("1.00"));

            long started = System.nanoTime();
            var attempts = payflow.server().webhookDelivery().dispatchDue();
            // The healthy partner's event is delivered while the other endpoint still hangs.
            while (get(healthy.getId()).getDeliveryStatus() != WebhookEvent.DeliveryStatus.delivered
                    && System.nanoTime() - started < Duration.ofMillis(REQUEST_TIMEOUT_MS).toNanos()) {
                Thread.onSpinWait();
            }
            long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertThat(get(healthy.getId()).getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
            assertThat(tookMs).isLessThan(REQUEST_TIMEOUT_MS);
            java.util.concurrent.CompletableFuture.allOf(attempts.toArray(java.util.concurrent.CompletableFuture[]::new)).join();

            WebhookEvent timedOut = payflow.webhooks(slow.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("wallet.funds_added")
                    .build()).getEvents(0);
            WebhookAttempt attempt = payflow.webhooks(slow.sandboxKey()).getEvent(GetEventRequest.newBuilder().setId(timedOut.getId()).build())
                    .getAttempts(0);
            assertThat(attempt.getSucceeded()).isFalse();
            assertThat(attempt.getError()).contains("no answer within " + REQUEST_TIMEOUT_MS + " ms");
        } finally {
            hanging.close();
        }
    }

    @Test
    void metricsCountDeliveriesByOutcomeAndShowTheBacklogAndTheAgeOfItsOldestEvent() throws Exception {
        receiver.failNext(1);
        fundsAdded(credit("1.00"));
        deliver();
        payflow.clock().advance(Duration.ofSeconds(6));
        deliver();
        // An event recorded while the endpoint wanted it, then paused before the worker came: skipped by the worker.
        fundsAdded(credit("1.00"));
        pause(partner.sandboxKey(), receiver.url("/hooks/payflow"));
        deliver();
        setEndpoint(partner.sandboxKey(), receiver.url("/hooks/payflow"));
        // A new event, not yet sent, ten minutes old by the clock.
        fundsAdded(credit("1.00"));
        payflow.clock().advance(Duration.ofMinutes(10));
        payflow.server().webhookDelivery().dispatchDue().forEach(java.util.concurrent.CompletableFuture::join);

        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + payflow.server().managementPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("payflow_webhooks_deliveries_total\\{outcome=\"delivered\"[^}]*} [1-9]");
        assertThat(metrics).containsPattern("payflow_webhooks_deliveries_total\\{outcome=\"failed\"[^}]*} [1-9]");
        assertThat(metrics).containsPattern("payflow_webhooks_deliveries_total\\{outcome=\"skipped\"[^}]*} [1-9]");
        assertThat(metrics).contains("payflow_webhooks_backlog");
        assertThat(metrics).contains("payflow_webhooks_oldest_pending_age_seconds");
    }

    /**
     * Events no endpoint wants any more (the endpoint was paused after they were recorded) are
     * settled as skipped in bulk: one delivery run skips the whole backlog, however many. They
     * used to take a delivery slot each (at most the per-endpoint concurrency per run, a run a
     * second), so a partner without an endpoint booking more than a few movements a second grew
     * the backlog without end.
     */
    @Test
    void oneRunSkipsEveryEventThatNoEndpointWantsHoweverMany() {
        TestServer.PartnerKeys pausing = payflow.onboard(Partner.Status.active);
        payflow.webhooks(pausing.sandboxKey()).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder().setUrl(receiver.url("/hooks/all")).build());
        Wallet wallet = payflow.newWallet(pausing.sandboxKey(), "USD");
        for (int i = 0; i < 60; i++) {
            payflow.credit(pausing.sandboxKey(), wallet.getId(), "1.00", "USD");
        }
        List<WebhookEvent> before = events(pausing.sandboxKey());
        assertThat(before).hasSizeGreaterThanOrEqualTo(120).allMatch(e -> e.getDeliveryStatus() == WebhookEvent.DeliveryStatus.pending);
        pause(pausing.sandboxKey(), receiver.url("/hooks/all"));

        deliver();

        assertThat(events(pausing.sandboxKey())).hasSize(before.size())
                .allMatch(e -> e.getDeliveryStatus() == WebhookEvent.DeliveryStatus.skipped, "skipped");
        assertThat(receiver.received()).isEmpty();
    }

    /**
     * A partner without an endpoint leaves nothing for the worker: its events are stored skipped
     * when they are recorded, before any delivery run, and a replay still sends one.
     */
    @Test
    void theEventsOfAPartnerWithoutAnEndpointAreSkippedWhenRecordedAndCanStillBeReplayed() {
        TestServer.PartnerKeys withoutEndpoint = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(withoutEndpoint.sandboxKey(), "USD");
        payflow.credit(withoutEndpoint.sandboxKey(), wallet.getId(), "1.00", "USD");

        List<WebhookEvent> recorded = events(withoutEndpoint.sandboxKey());
        assertThat(recorded).isNotEmpty().allMatch(e -> e.getDeliveryStatus() == WebhookEvent.DeliveryStatus.skipped, "skipped");
        assertThat(recorded).allMatch(e -> !e.hasNextAttemptAt(), "no next attempt");

        setEndpoint(withoutEndpoint.sandboxKey(), receiver.url("/hooks/late"));
        deliver();
        assertThat(receiver.received()).isEmpty();
        WebhookEvent fundsAdded = recorded.stream().filter(e -> e.getType().equals("wallet.funds_added")).findFirst().orElseThrow();
        WebhookEvent replayed = payflow.webhooks(withoutEndpoint.sandboxKey()).replayEvent(ReplayEventRequest.newBuilder()
                .setEventId(fundsAdded.getId()).build());
        assertThat(replayed.getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        assertThat(receiver.received()).hasSize(1);
    }

    /** Beside them, the events an endpoint wants still go out, and the ones it did not subscribe to are skipped. */
    @Test
    void theWantedEventsOfAPartnerAreDeliveredAndTheRestOfItsEventsSkippedInTheSameRun() {
        Transaction credit = credit("3.00");
        deliver();
        assertThat(get(fundsAdded(credit).getId()).getDeliveryStatus()).isEqualTo(WebhookEvent.DeliveryStatus.delivered);
        assertThat(events(partner.sandboxKey())).filteredOn(e -> !e.getType().equals("wallet.funds_added")).isNotEmpty()
                .allMatch(e -> e.getDeliveryStatus() == WebhookEvent.DeliveryStatus.skipped, "skipped");
    }

    /**
     * The worker's run claims again as attempts end: more events than the endpoint's concurrency
     * (four in flight) all go out in one run. A run used to send four a poll interval, so an
     * endpoint of a busy partner fell further behind every second.
     */
    @Test
    void oneRunOfTheWorkerDeliversMoreEventsThanTheEndpointTakesAtOnce() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(fundsAdded(credit("1.00")).getId());
        }

        int started = payflow.server().webhookDelivery().dispatchUntilIdle(Duration.ofSeconds(60));

        assertThat(started).isGreaterThanOrEqualTo(12);
        assertThat(receiver.received()).extracting(WebhookReceiver.Received::webhookId).containsAll(ids);
        assertThat(ids).allMatch(id -> get(id).getDeliveryStatus() == WebhookEvent.DeliveryStatus.delivered, "delivered");
    }

    // --- Helpers ------------------------------------------------------------------------------

    private static List<WebhookEvent> events(String key) {
        List<WebhookEvent> all = new java.util.ArrayList<>();
        String page = "";
        do {
            var answer = payflow.webhooks(key).listEvents(ListEventsRequest.newBuilder().setPageSize(100).setPageToken(page).build());
            all.addAll(answer.getEventsList());
            page = answer.getNextPageToken();
        } while (!page.isEmpty());
        return all;
    }

    /** Only wallet.funds_added, so each credit sends one event. */
    private static WebhookEndpoint setEndpoint(String key, String url) {
        return payflow.webhooks(key).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder().setUrl(url)
                .addEventTypes("wallet.funds_added").build());
    }

    /** The same endpoint, paused: events are recorded, not sent. */
    private static void pause(String key, String url) {
        payflow.webhooks(key).putWebhookEndpoint(PutWebhookEndpointRequest.newBuilder().setUrl(url).addEventTypes("wallet.funds_added")
                .setEnabled(false).build());
    }

    private WebhookEndpoint endpoint() {
        return payflow.webhooks(partner.sandboxKey()).getWebhookEndpoint(GetWebhookEndpointRequest.getDefaultInstance());
    }

    private Transaction credit(String amount) {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        return payflow.credit(partner.sandboxKey(), wallet.getId(), amount, "USD");
    }

    private WebhookEvent fundsAdded(Transaction credit) {
        return payflow.webhooks(partner.sandboxKey()).listEvents(ListEventsRequest.newBuilder().setType("wallet.funds_added").setPageSize(200)
                .build()).getEventsList().stream()
                .filter(e -> e.getData().getFieldsOrThrow("transactionId").getStringValue().equals(credit.getId())).findFirst().orElseThrow();
    }

    private WebhookEvent get(String id) {
        return payflow.webhooks(partner.sandboxKey()).getEvent(GetEventRequest.newBuilder().setId(id).build());
    }

    private static void deliver() {
        payflow.server().webhookDelivery().deliverDue();
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
