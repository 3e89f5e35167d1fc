package dev.payflow.core.ledger;

import dev.payflow.core.config.GroupCommitConfig;
import dev.payflow.core.domain.PartnerScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue and the lanes of group commit. A caller hands in its movement and waits; a lane takes
 * the first movement waiting, everything else already waiting (up to the batch size), and, if a
 * window is set, what arrives within it; the engine books them in one database transaction. So the
 * movements that arrive while a batch is being committed form the next one, and a lone movement
 * goes at once.
 *
 * <p>A lane passes over a movement that names a wallet another lane's batch holds (and every later
 * movement naming the same wallets, so each wallet's movements keep their order): booked beside
 * it, that movement would only wait in the database for the other batch's lock, and hold up its
 * own batch meanwhile. It waits instead for the next batch, which takes it with everything else
 * for that wallet. Movements whose wallets are not known before they are booked (a hold's capture
 * or release) are never passed over; the database's locks order them as before.
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

        /** The wallets the movement names before it is booked (none for a hold's capture or release, whose wallet is the hold's). */
        List<String> wallets() {
            if (movement.instruction() instanceof Instruction.Post post) {
                List<String> wallets = new ArrayList<>(2);
                if (post.from() instanceof LedgerAccount.Wallet from) {
                    wallets.add(from.walletId());
                }
                if (post.to() instanceof LedgerAccount.Wallet to) {
                    wallets.add(to.walletId());
                }
                return wallets;
            }
            if (movement.instruction() instanceof Instruction.PlaceHold hold) {
                return List.of(hold.walletId());
            }
            return List.of();
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

    private record Waiting(Member member, List<String> wallets, CompletableFuture<Optional<LedgerEngine.Outcome>> answer) {
    }

    private final Committer committer;
    private final int batchSizeMax;
    private final long windowNanos;
    private final List<Thread> lanes = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong members = new AtomicLong();
    private final AtomicLong batchesSplit = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a movement arrives, a batch ends (its wallets are free again) or group commit closes. */
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}: the movements waiting for a lane, oldest first. */
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}: each wallet that a batch taken and not yet ended names, and that batch. */
    private final Map<String, List<Waiting>> walletsHeld = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private boolean closed;

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
        Member member = new Member(scope, movement);
        Waiting waiting = new Waiting(member, member.wallets(), new CompletableFuture<>());
        lock.lock();
        try {
            if (closed || queue.size() >= QUEUE_CAPACITY) {
                return Optional.empty();
            }
            queue.addLast(waiting);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return waiting.answer().join();
    }

    Stats stats() {
        return new Stats(batches.get(), members.get(), batchesSplit.get(), largestBatch.get());
    }

    /** Movements waiting for a lane now (taken by none yet): for the tests that show who is passed over. */
    int waiting() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            List<Waiting> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                break;
            }
            if (batch == null) {
                break;
            }
            if (!batch.isEmpty()) {
                try {
                    commit(batch);
                } finally {
                    release(batch);
                }
            }
        }
        answerAlone(drain());
    }

    /**
     * The next batch, its wallets marked held; empty when nothing could be taken for a while (so an
     * idle lane looks again), null once group commit is closing.
     */
    private List<Waiting> nextBatch() throws InterruptedException {
        List<Waiting> batch = new ArrayList<>();
        lock.lock();
        try {
            long idleLeft = TimeUnit.MILLISECONDS.toNanos(IDLE_CHECK_MS);
            while (!closed && take(batch) == 0) {
                if (idleLeft <= 0) {
                    return batch;
                }
                idleLeft = changed.awaitNanos(idleLeft);
            }
            if (closed) {
                return null;
            }
            long windowLeft = windowNanos;
            while (batch.size() < batchSizeMax && windowLeft > 0 && !closed) {
                try {
                    windowLeft = changed.awaitNanos(windowLeft);
                } catch (InterruptedException e) {
                    // What is taken is this lane's to commit (its callers wait for it); the lane stops after.
                    Thread.currentThread().interrupt();
                    break;
                }
                take(batch);
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves into {@code batch}, oldest first, every waiting movement that names no wallet another
     * batch holds and none that an older movement passed over names, up to the batch size; marks
     * their wallets held by {@code batch}. Returns how many it took. Called holding {@link #lock}.
     */
    private int take(List<Waiting> batch) {
        int taken = 0;
        Set<String> passedOver = new HashSet<>();
        for (Iterator<Waiting> waiting = queue.iterator(); waiting.hasNext() && batch.size() < batchSizeMax; ) {
            Waiting next = waiting.next();
            boolean free = true;
            for (String wallet : next.wallets()) {
                List<Waiting> holder = walletsHeld.get(wallet);
                if ((holder != null && holder != batch) || passedOver.contains(wallet)) {
                    free = false;
                    break;
                }
            }
            if (!free) {
                passedOver.addAll(next.wallets());
                continue;
            }
            waiting.remove();
            batch.add(next);
            next.wallets().forEach(wallet -> walletsHeld.putIfAbsent(wallet, batch));
            taken++;
        }
        return taken;
    }

    /** The batch has ended (committed or failed): its wallets are free for the other lanes. */
    private void release(List<Waiting> batch) {
        lock.lock();
        try {
            for (Waiting member : batch) {
                member.wallets().forEach(wallet -> walletsHeld.computeIfPresent(wallet, (w, holder) -> holder == batch ? null : holder));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            List<Waiting> left = new ArrayList<>(queue);
            queue.clear();
            return left;
        } finally {
            lock.unlock();
        }
    }

    private static void answerAlone(List<Waiting> waiting) {
        waiting.forEach(w -> w.answer().complete(Optional.empty()));
    }

    /** Stops the lanes (each within {@link #IDLE_CHECK_MS}); a batch being committed finishes, and whoever still waits books alone. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        answerAlone(drain());
    }
}
