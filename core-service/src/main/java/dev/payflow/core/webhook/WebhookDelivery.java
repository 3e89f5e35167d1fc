package dev.payflow.core.webhook;

import com.standardwebhooks.Webhook;
import dev.payflow.core.app.Services;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.WebhookEndpoint;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.WebhookRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox's events to the partners' endpoints, at least once. Safe on several replicas:
 * a worker claims due events with FOR UPDATE SKIP LOCKED and leases them before it sends, so no
 * two workers make the same attempt; the send itself runs outside any database transaction.
 *
 * <p>Each attempt runs on a pool of its own threads, at most {@code endpointConcurrency} per
 * partner and mode at once, each bounded by the request timeout: a slow or dead endpoint holds a
 * few threads for a few seconds, never another partner's deliveries. Failed attempts are retried
 * after {@link #BACKOFF} (with jitter, later if the answer's {@code Retry-After} says so); after
 * the last, the event is {@code failed}. An endpoint whose every attempt failed for
 * {@link #DISABLE_AFTER} becomes {@code disabled}.
 */
public final class WebhookDelivery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDelivery.class);
    /** The waits after the 1st, 2nd, ... failed attempt: about three days in all, as the issue asks. */
    public static final List<Duration> BACKOFF = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20), Duration.ofHours(24));
    /** The first attempt and one after each wait. */
    public static final int ATTEMPTS_MAX = BACKOFF.size() + 1;
    /** Each wait is stretched or shrunk by up to this fraction, so a burst that failed together does not retry together. */
    public static final double JITTER_FRACTION = 0.1;
    /** A Retry-After longer than this is read as this: an endpoint cannot park its events for weeks. */
    static final Duration RETRY_AFTER_MAX = Duration.ofHours(24);
    /** Due events a claim looks at, at most: those no endpoint wants are skipped at once, the rest are claimed as room allows. */
    static final int CANDIDATES_PER_CLAIM = 1_000;
    /** Pages of events to skip in one run at most, so that one run stays short whatever the backlog; the next run goes on. */
    static final int SKIP_PAGES_PER_RUN_MAX = 20;
    /** An endpoint failing this long, every attempt, is disabled. */
    public static final Duration DISABLE_AFTER = Duration.ofDays(5);
    /** What is kept of an answer's body (sandbox only), in bytes. */
    public static final int EXCERPT_BYTES_MAX = 1024;
    /** What is kept of an error text, in characters; the column's size. */
    private static final int ERROR_LENGTH_MAX = 1000;
    /** A claimed event is left alone this long past the request timeout: only a worker that died lets it lapse. */
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(45);

    private final Database database;
    private final Services services;
    private final WebhookRepository repository;
    private final WebhookEndpoints endpoints;
    private final UrlGuard guard;
    private final WebhookSender sender;
    private final int threads;
    private final int endpointConcurrency;
    private final Duration lease;
    private final ExecutorService pool;
    private final Map<PartnerScope, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger inFlightTotal = new AtomicInteger();
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final AtomicLong backlogSize = new AtomicLong();
    private final AtomicLong oldestPendingAgeSeconds = new AtomicLong();

    public WebhookDelivery(Database database, Services services, WebhookRepository repository, WebhookEndpoints endpoints, UrlGuard guard,
            WebhookSender sender, Duration requestTimeout, int threads, int endpointConcurrency, MeterRegistry meters) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.threads = threads;
        this.endpointConcurrency = endpointConcurrency;
        this.lease = requestTimeout.plus(LEASE_MARGIN);
        this.meters = Objects.requireNonNull(meters, "meters");
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "payflow-webhook-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        Gauge.builder("payflow.webhooks.backlog", backlogSize, AtomicLong::get)
                .description("Partner events not yet delivered, failed or skipped (as of the last delivery run)").register(meters);
        Gauge.builder("payflow.webhooks.oldest.pending.age", oldestPendingAgeSeconds, AtomicLong::get).baseUnit("seconds")
                .description("Age of the oldest partner event still to deliver (as of the last delivery run)").register(meters);
    }

    /**
     * Claims the due events this worker has room for and starts their attempts; returns them, each
     * completing when its attempt has been recorded.
     */
    public List<CompletableFuture<Void>> dispatchDue() {
        refreshBacklog();
        return claimAndStart();
    }

    /**
     * The worker's run: claims what is due and, each time an attempt ends and frees a slot,
     * claims again, until nothing more is due (or every due event's endpoint is at its limit) and
     * every attempt it started has been recorded, or until {@code budget} has passed (the attempts
     * still in flight then finish on their own). One run a poll interval used to deliver at most
     * the per-endpoint concurrency to each endpoint a second, however many events were due.
     *
     * @return how many attempts it started
     */
    public int dispatchUntilIdle(Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        refreshBacklog();
        List<CompletableFuture<Void>> running = new ArrayList<>(claimAndStart());
        int started = running.size();
        while (!running.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                CompletableFuture.anyOf(running.toArray(CompletableFuture[]::new)).get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // Out of time, or an attempt failed (it logged why; its lease brings it back): claim what else has room.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            running.removeIf(CompletableFuture::isDone);
            List<CompletableFuture<Void>> more = claimAndStart();
            running.addAll(more);
            started += more.size();
        }
        refreshBacklog();
        return started;
    }

    /** Claims the due events this worker has room for and starts their attempts. */
    private List<CompletableFuture<Void>> claimAndStart() {
        int room = threads - inFlightTotal.get();
        if (room <= 0) {
            return List.of();
        }
        Map<PartnerScope, Integer> busy = new HashMap<>();
        inFlight.forEach((scope, count) -> {
            if (count.get() > 0) {
                busy.put(scope, count.get());
            }
        });
        List<PartnerEvent> claimed = claimSkippingUnwanted(room, busy);
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (PartnerEvent event : claimed) {
            inFlight.computeIfAbsent(event.scope(), s -> new AtomicInteger()).incrementAndGet();
            inFlightTotal.incrementAndGet();
            started.add(CompletableFuture.runAsync(() -> {
                try {
                    attempt(event, false);
                } catch (RuntimeException e) {
                    // The lease runs out and another run tries again: nothing is lost.
                    LOG.error("delivery of event {} failed unexpectedly; it is retried when its lease ends", event.id(), e);
                } finally {
                    inFlight.get(event.scope()).decrementAndGet();
                    inFlightTotal.decrementAndGet();
                }
            }, pool));
        }
        return started;
    }

    /**
     * Claims what this run has room for. On the way, the due events no endpoint wants (the
     * partner has none, or it is paused or disabled, or not subscribed to the type) are settled as
     * skipped, a page at a time in one statement, without taking a delivery slot: a partner
     * without an endpoint books far more events a second than slots free up. {@link #attempt}
     * checks again before it sends, as the endpoint may change meanwhile.
     */
    private List<PartnerEvent> claimSkippingUnwanted(int room, Map<PartnerScope, Integer> busy) {
        for (int page = 0; ; page++) {
            Instant now = services.now();
            int[] skipped = {0};
            boolean[] full = {false};
            List<PartnerEvent> claimed = database.inTransaction(tx -> {
                List<PartnerEvent> due = repository.lockDue(tx, now, CANDIDATES_PER_CLAIM, endpointConcurrency, busy);
                full[0] = due.size() == CANDIDATES_PER_CLAIM;
                Map<PartnerScope, Optional<WebhookEndpoint>> endpoints = new HashMap<>();
                List<PartnerEvent> wanted = new ArrayList<>();
                List<String> unwanted = new ArrayList<>();
                for (PartnerEvent event : due) {
                    Optional<WebhookEndpoint> endpoint = endpoints.computeIfAbsent(event.scope(), scope -> repository.findEndpoint(tx, scope));
                    if (wants(endpoint, event)) {
                        wanted.add(event);
                    } else {
                        unwanted.add(event.id());
                    }
                }
                repository.skipAll(tx, unwanted);
                skipped[0] = unwanted.size();
                return repository.lease(tx, WebhookRepository.withinEndpointLimits(wanted, room, endpointConcurrency, busy), now.plus(lease));
            });
            if (skipped[0] > 0) {
                count("skipped", skipped[0]);
            }
            // A full page that was all skipped may hide more of the same behind it: go on, up to a bound per run.
            if (!claimed.isEmpty() || skipped[0] == 0 || !full[0] || page + 1 == SKIP_PAGES_PER_RUN_MAX) {
                return claimed;
            }
        }
    }

    /** Whether the endpoint wants the event now (a replay is sent to an endpoint that would not want it). */
    private static boolean wants(Optional<WebhookEndpoint> endpoint, PartnerEvent event) {
        return endpoint.isPresent() && endpoint.get().enabled() && endpoint.get().status() != WebhookEndpoint.Status.DISABLED
                && endpoint.get().subscribesTo(event.type());
    }

    /** Dispatches the due events and waits until their attempts are recorded; returns how many there were. For tests and tools. */
    public int deliverDue() {
        List<CompletableFuture<Void>> started = dispatchDue();
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
        refreshBacklog();
        return started.size();
    }

    /** Sends one event of the scope again, now, with the same id and body; returns it with its new attempt recorded. */
    public PartnerEvent replay(PartnerScope scope, String eventId) {
        PartnerEvent event = database.inTransaction(tx -> repository.claimForReplay(tx, scope, eventId, services.now(), lease))
                .orElseThrow(() -> PayflowException.of(ErrorReason.EVENT_NOT_FOUND, "no event %s in this mode", eventId));
        attempt(event, true);
        return database.inTransaction(tx -> repository.findEvent(tx, scope, eventId)).orElseThrow();
    }

    private void attempt(PartnerEvent event, boolean replay) {
        Instant now = services.now();
        Optional<WebhookEndpoint> found = database.inTransaction(tx -> repository.findEndpoint(tx, event.scope()));
        boolean wanted = found.isPresent() && (replay || wants(found, event));
        if (!wanted) {
            database.inTransaction(tx -> {
                repository.settle(tx, event.id(), PartnerEvent.DeliveryStatus.SKIPPED, Optional.empty(), null);
                return null;
            });
            count("skipped");
            return;
        }
        WebhookEndpoint endpoint = found.get();
        long started = System.nanoTime();
        UrlGuard.Target target;
        try {
            target = guard.check(endpoint.url(), event.scope().livemode());
        } catch (PayflowException refused) {
            // Checked again at each delivery: a name that resolved to a public address when saved may not now.
            record(event, endpoint, now, Optional.empty(), elapsedMs(started), "refused: " + refused.getMessage(), "", Optional.empty(),
                    "refused");
            return;
        }
        String signatures = endpoints.signingSecrets(endpoint, now).stream().map(secret -> sign(secret, event, now))
                .collect(Collectors.joining(" "));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", event.id());
        headers.put("webhook-timestamp", Long.toString(now.getEpochSecond()));
        headers.put("webhook-signature", signatures);
        WebhookSender.Answer answer = sender.post(target, headers, event.body());
        long latencyMs = elapsedMs(started);
        String excerpt = event.scope().livemode() ? "" : excerpt(answer.body());
        if (answer.status().isEmpty()) {
            record(event, endpoint, now, Optional.empty(), latencyMs, answer.error().orElse("no answer"), "", Optional.empty(), "failed");
            return;
        }
        int status = answer.status().get();
        if (status >= 200 && status < 300) {
            record(event, endpoint, now, answer.status(), latencyMs, "", excerpt, Optional.empty(), "delivered");
        } else if (status >= 300 && status < 400) {
            record(event, endpoint, now, answer.status(), latencyMs, "HTTP " + status + ": redirect to "
                    + answer.location().orElse("(no Location)") + " not followed (expected: a 2xx answer at the URL itself)", excerpt,
                    answer.retryAfter(), "failed");
        } else {
            record(event, endpoint, now, answer.status(), latencyMs, "HTTP " + status + " (expected: 2xx)", excerpt, answer.retryAfter(),
                    "failed");
        }
    }

    private static String sign(String secret, PartnerEvent event, Instant now) {
        try {
            return new Webhook(secret).sign(event.id(), now.getEpochSecond(), event.body());
        } catch (Exception e) {
            throw new IllegalStateException("could not sign event " + event.id(), e);
        }
    }

    private void record(PartnerEvent event, WebhookEndpoint endpoint, Instant attemptedAt, Optional<Integer> httpStatus,
            long latencyMs, String error, String excerpt, Optional<String> retryAfter, String outcome) {
        boolean succeeded = outcome.equals("delivered");
        Instant now = services.now();
        String counted = database.inTransaction(tx -> {
            // Numbered when recorded, under the event's row lock: a replay finishing beside a worker's attempt takes the next number.
            int number = repository.nextAttemptNumber(tx, event.id());
            PartnerEvent.Attempt attempt = new PartnerEvent.Attempt(event.id(), number, endpoint.url(), attemptedAt, httpStatus, latencyMs,
                    succeeded, error.length() > ERROR_LENGTH_MAX ? error.substring(0, ERROR_LENGTH_MAX) : error, excerpt);
            PartnerEvent.DeliveryStatus status;
            Optional<Instant> next;
            String result = outcome;
            if (succeeded) {
                status = PartnerEvent.DeliveryStatus.DELIVERED;
                next = Optional.empty();
            } else if (number >= ATTEMPTS_MAX) {
                status = PartnerEvent.DeliveryStatus.FAILED;
                next = Optional.empty();
                result = "exhausted";
            } else {
                status = PartnerEvent.DeliveryStatus.PENDING;
                next = Optional.of(now.plus(retryDelay(number, retryAfter, now)));
            }
            repository.recordAttempt(tx, event.scope(), attempt, status, next);
            Optional<WebhookEndpoint> current = repository.findEndpointForUpdate(tx, event.scope());
            if (current.isPresent()) {
                if (succeeded) {
                    if (current.get().status() == WebhookEndpoint.Status.FAILING) {
                        repository.markEndpoint(tx, event.scope(), WebhookEndpoint.Status.ACTIVE, Optional.empty(), "", now);
                    }
                } else if (current.get().status() != WebhookEndpoint.Status.DISABLED) {
                    Instant since = current.get().failingSince().orElse(attemptedAt);
                    if (Duration.between(since, now).compareTo(DISABLE_AFTER) >= 0) {
                        repository.markEndpoint(tx, event.scope(), WebhookEndpoint.Status.DISABLED, Optional.of(since),
                                "every delivery attempt failed from " + since + " to " + now + " (" + DISABLE_AFTER.toDays()
                                        + " days); set the endpoint again to resume", now);
                    } else {
                        repository.markEndpoint(tx, event.scope(), WebhookEndpoint.Status.FAILING, Optional.of(since), "", now);
                    }
                }
            }
            return result;
        });
        count(counted);
    }

    /** The wait after the {@code number}th failed attempt: the schedule's, with jitter, or the endpoint's Retry-After if later. */
    Duration retryDelay(int number, Optional<String> retryAfter, Instant now) {
        Duration base = BACKOFF.get(Math.min(number, BACKOFF.size()) - 1);
        double factor = 1 + (services.random().nextDouble() * 2 - 1) * JITTER_FRACTION;
        Duration jittered = Duration.ofMillis(Math.round(base.toMillis() * factor));
        Optional<Duration> asked = retryAfter.flatMap(value -> parseRetryAfter(value, now));
        return asked.filter(d -> d.compareTo(jittered) > 0).map(d -> d.compareTo(RETRY_AFTER_MAX) > 0 ? RETRY_AFTER_MAX : d).orElse(jittered);
    }

    /** {@code Retry-After}: seconds, or an HTTP date. */
    static Optional<Duration> parseRetryAfter(String value, Instant now) {
        String text = value.trim();
        if (text.matches("\\d{1,9}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
        }
        try {
            return Optional.of(Duration.between(now, ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()))
                    .filter(d -> !d.isNegative());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The first {@link #EXCERPT_BYTES_MAX} bytes of UTF-8 (never splitting a character). */
    static String excerpt(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= EXCERPT_BYTES_MAX) {
            return body;
        }
        int end = EXCERPT_BYTES_MAX;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private void count(String outcome) {
        count(outcome, 1);
    }

    private void count(String outcome, int times) {
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("payflow.webhooks.deliveries").tag("outcome", o)
                .description("Partner webhook delivery outcomes: delivered, failed (retried later), exhausted (the last attempt failed), "
                        + "refused (the URL check refused the address), skipped (no endpoint wanted it)")
                .register(meters)).increment(times);
    }

    private void refreshBacklog() {
        WebhookRepository.Backlog backlog = database.inTransaction(repository::backlog);
        backlogSize.set(backlog.size());
        oldestPendingAgeSeconds.set(backlog.oldestCreatedAt().map(at -> Math.max(0, Duration.between(at, services.now()).toSeconds())).orElse(0L));
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
