package dev.payflow.core.ledger;

import dev.payflow.core.config.GroupCommitConfig;
import dev.payflow.core.domain.PartnerScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue and the lanes of group commit. A caller hands in its movement and waits; a lane takes
 * the first movement waiting, everything else already waiting (up to the batch size), and, if a
 * window is set, what arrives within it; the engine books them in one database transaction. So the
 * movements that arrive while a batch is being committed form the next one, and a lone movement
 * goes at once.
 *
 * <p>An answer is the member's own outcome, or "alone": the batch failed as a whole (a database
 * error, a lock that timed out, a check after the rules), nothing of it committed, and the caller
 * books its movement in a transaction of its own, exactly as without group commit. So one member's
 * failure costs its neighbours a retry, never their answer.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    /**
     * Movements waiting for a lane at most. Each waiting caller holds an RPC thread, so this is never
     * reached in practice; beyond it a caller books alone rather than wait without bound.
     */
    private static final int QUEUE_CAPACITY = 10_000;
    /** How often an idle lane looks whether group commit is closing. */
    private static final long IDLE_CHECK_MS = 100;

    /** One member of a batch. */
    record Member(PartnerScope scope, Movement movement) {
        Member {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(movement, "movement");
        }
    }

    /** Books a batch in one transaction: one outcome per member, in the members' order, or throws and commits nothing. */
    @FunctionalInterface
    interface Committer {
        List<LedgerEngine.Outcome> commitTogether(List<Member> members);
    }

    /** How batches went since start: for the tests that show batching happens, and for the benchmark. */
    record Stats(long batches, long members, long batchesSplit, long largestBatch) {
    }

    private record Waiting(Member member, CompletableFuture<Optional<LedgerEngine.Outcome>> answer) {
    }

    private final Committer committer;
    private final int batchSizeMax;
    private final long windowNanos;
    private final BlockingQueue<Waiting> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final List<Thread> lanes = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong members = new AtomicLong();
    private final AtomicLong batchesSplit = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();

    GroupCommit(GroupCommitConfig config, Committer committer) {
        this.committer = Objects.requireNonNull(committer, "committer");
        this.batchSizeMax = config.batchSizeMax();
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(config.windowMs());
        for (int i = 0; i < config.lanes(); i++) {
            Thread lane = new Thread(this::run, "ledger-group-commit-" + i);
            lane.setDaemon(true);
            lanes.add(lane);
            lane.start();
        }
    }

    /**
     * The member's outcome once its batch has committed, or empty if the caller must book it alone
     * (the batch failed, the queue is full, or group commit is closing).
     */
    Optional<LedgerEngine.Outcome> submit(PartnerScope scope, Movement movement) {
        if (closed.get()) {
            return Optional.empty();
        }
        Waiting waiting = new Waiting(new Member(scope, movement), new CompletableFuture<>());
        if (!queue.offer(waiting)) {
            return Optional.empty();
        }
        if (closed.get()) {
            // close() may have drained the queue just before this offer; answer whatever is left.
            answerAlone(drain());
        }
        return waiting.answer().join();
    }

    Stats stats() {
        return new Stats(batches.get(), members.get(), batchesSplit.get(), largestBatch.get());
    }

    private void run() {
        while (!closed.get()) {
            List<Waiting> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                break;
            }
            if (!batch.isEmpty()) {
                commit(batch);
            }
        }
        answerAlone(drain());
    }

    /** Empty when nothing arrived for a while, so that a closing lane notices without being interrupted mid-commit. */
    private List<Waiting> nextBatch() throws InterruptedException {
        List<Waiting> batch = new ArrayList<>();
        Waiting first = queue.poll(IDLE_CHECK_MS, TimeUnit.MILLISECONDS);
        if (first == null) {
            return batch;
        }
        batch.add(first);
        queue.drainTo(batch, batchSizeMax - batch.size());
        long deadline = System.nanoTime() + windowNanos;
        while (batch.size() < batchSizeMax && windowNanos > 0) {
            long left = deadline - System.nanoTime();
            Waiting next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                break;
            }
            batch.add(next);
            queue.drainTo(batch, batchSizeMax - batch.size());
        }
        return batch;
    }

    private void commit(List<Waiting> batch) {
        List<Member> together = batch.stream().map(Waiting::member).toList();
        List<LedgerEngine.Outcome> outcomes;
        try {
            outcomes = committer.commitTogether(together);
            if (outcomes.size() != batch.size()) {
                throw new IllegalStateException("a batch of " + batch.size() + " movements answered " + outcomes.size() + " times");
            }
        } catch (Throwable e) {
            // Nothing of the batch committed: every member goes again alone, where only its own failure can fail it.
            batchesSplit.incrementAndGet();
            LOG.debug("a batch of {} movements failed as a whole and is split: {}", batch.size(), e.toString());
            answerAlone(batch);
            return;
        }
        batches.incrementAndGet();
        members.addAndGet(batch.size());
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).answer().complete(Optional.of(outcomes.get(i)));
        }
    }

    private List<Waiting> drain() {
        List<Waiting> left = new ArrayList<>();
        queue.drainTo(left);
        return left;
    }

    private static void answerAlone(List<Waiting> waiting) {
        waiting.forEach(w -> w.answer().complete(Optional.empty()));
    }

    /** Stops the lanes (each within {@link #IDLE_CHECK_MS}); a batch being committed finishes, and whoever still waits books alone. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        answerAlone(drain());
    }
}
