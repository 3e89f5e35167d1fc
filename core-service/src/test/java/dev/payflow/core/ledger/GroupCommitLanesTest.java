package dev.payflow.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.config.GroupCommitConfig;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.TransactionType;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the lanes of group commit share out the waiting movements: a lane passes over a movement
 * whose wallet another lane's batch holds (it would only wait for that batch's lock in the
 * database), and every later movement naming the same wallets, so each wallet keeps its order. The
 * batches are committed here by a stand-in for the engine that records them and, for the first,
 * waits until the test lets it finish; the engine's own booking is GroupCommitModelTest's.
 */
class GroupCommitLanesTest {
    private static final PartnerScope SCOPE = new PartnerScope("ptn_01jbcdefghjkmnpqrstvwxyz01", false);
    private static final long WAIT_SECONDS = 10;

    /** Each batch as its members' keys, in the order the lanes began them. */
    private final LinkedBlockingQueue<List<String>> began = new LinkedBlockingQueue<>();
    /** The first batch finishes only once this opens; the others at once. */
    private final CountDownLatch firstMayFinish = new CountDownLatch(1);
    private volatile boolean firstFails;
    private GroupCommit groupCommit;

    @AfterEach
    void close() {
        firstMayFinish.countDown();
        if (groupCommit != null) {
            groupCommit.close();
        }
    }

    @Test
    void aMovementOnAWalletAnotherLaneHoldsWaitsForTheNextBatchWhileOthersGoAtOnce() throws Exception {
        CompletableFuture<Optional<LedgerEngine.Outcome>> first = firstBatchOnWalletsAAndB(2);

        CompletableFuture<Optional<LedgerEngine.Outcome>> sameWallet = submitAndAwaitWaiting("m2", transfer("wal_b", "wal_c"), 1);
        CompletableFuture<Optional<LedgerEngine.Outcome>> otherWallets = submit("m3", transfer("wal_d", "wal_e"));

        assertThat(nextBatch()).as("the free lane takes the movement of other wallets, not the one on wal_b").containsExactly("m3");
        assertThat(otherWallets.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(groupCommit.waiting()).isEqualTo(1);
        assertThat(sameWallet).isNotDone();

        firstMayFinish.countDown();
        assertThat(first.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(nextBatch()).containsExactly("m2");
        assertThat(sameWallet.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
    }

    @Test
    void aLaterMovementNamingAWalletOfOnePassedOverWaitsBehindIt() throws Exception {
        CompletableFuture<Optional<LedgerEngine.Outcome>> first = firstBatchOnWalletsAAndB(2);

        CompletableFuture<Optional<LedgerEngine.Outcome>> held = submitAndAwaitWaiting("m2", transfer("wal_b", "wal_c"), 1);
        CompletableFuture<Optional<LedgerEngine.Outcome>> behind = submitAndAwaitWaiting("m3", transfer("wal_c", "wal_d"), 2);
        CompletableFuture<Optional<LedgerEngine.Outcome>> free = submit("m4", transfer("wal_e", "wal_f"));

        assertThat(nextBatch()).as("m3 names wal_c, which m2 (older, passed over) names: it keeps its place").containsExactly("m4");
        assertThat(free.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(held).isNotDone();
        assertThat(behind).isNotDone();

        firstMayFinish.countDown();
        assertThat(first.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(nextBatch()).containsExactly("m2", "m3");
        assertThat(held.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(behind.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
    }

    @Test
    void aMovementWhoseWalletIsNotKnownBeforeBookingIsNeverPassedOver() throws Exception {
        firstBatchOnWalletsAAndB(2);

        // A hold's release names its hold, not its wallet (which may be wal_a): the database's locks order it.
        CompletableFuture<Optional<LedgerEngine.Outcome>> release = submit("m2", new Instruction.ReleaseHold("hld_x", HoldStatus.VOIDED));
        assertThat(nextBatch()).containsExactly("m2");
        assertThat(release.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
    }

    @Test
    void aBatchThatFailsFreesItsWalletsAndItsMembersBookAlone() throws Exception {
        firstFails = true;
        CompletableFuture<Optional<LedgerEngine.Outcome>> first = firstBatchOnWalletsAAndB(2);
        CompletableFuture<Optional<LedgerEngine.Outcome>> sameWallet = submitAndAwaitWaiting("m2", transfer("wal_b", "wal_c"), 1);

        firstMayFinish.countDown();
        assertThat(first.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("the failed batch's member books alone").isEmpty();
        assertThat(nextBatch()).containsExactly("m2");
        assertThat(sameWallet.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
    }

    @Test
    void closingAnswersThePassedOverToo() throws Exception {
        firstBatchOnWalletsAAndB(2);
        CompletableFuture<Optional<LedgerEngine.Outcome>> sameWallet = submitAndAwaitWaiting("m2", transfer("wal_b", "wal_c"), 1);

        groupCommit.close();
        assertThat(sameWallet.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("books alone").isEmpty();
    }

    @Test
    void oneLaneTakesEveryMovementOfTheSameWalletIntoOneBatch() throws Exception {
        CompletableFuture<Optional<LedgerEngine.Outcome>> first = firstBatchOnWalletsAAndB(1);
        CompletableFuture<Optional<LedgerEngine.Outcome>> second = submitAndAwaitWaiting("m2", transfer("wal_c", "wal_b"), 1);
        CompletableFuture<Optional<LedgerEngine.Outcome>> third = submitAndAwaitWaiting("m3", transfer("wal_d", "wal_b"), 2);

        firstMayFinish.countDown();
        assertThat(first.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(nextBatch()).containsExactly("m2", "m3");
        assertThat(second.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
        assertThat(third.get(WAIT_SECONDS, TimeUnit.SECONDS)).isPresent();
    }

    /** Starts the lanes and the first batch, m1 from wal_a to wal_b, which holds both until the test lets it finish. */
    private CompletableFuture<Optional<LedgerEngine.Outcome>> firstBatchOnWalletsAAndB(int lanes) throws InterruptedException {
        start(lanes);
        CompletableFuture<Optional<LedgerEngine.Outcome>> first = submit("m1", transfer("wal_a", "wal_b"));
        assertThat(nextBatch()).containsExactly("m1");
        return first;
    }

    /** Submits, then waits until that many movements wait for a lane: this one among them, passed over. */
    private CompletableFuture<Optional<LedgerEngine.Outcome>> submitAndAwaitWaiting(String key, Instruction instruction, int waiting)
            throws InterruptedException {
        CompletableFuture<Optional<LedgerEngine.Outcome>> answer = submit(key, instruction);
        awaitTrue(() -> groupCommit.waiting() == waiting);
        return answer;
    }

    private void start(int lanes) {
        groupCommit = new GroupCommit(new GroupCommitConfig(true, lanes, 100, 0), members -> {
            List<String> keys = members.stream().map(member -> member.movement().key().value()).toList();
            boolean isFirst = began.isEmpty() && keys.contains("m1");
            began.add(keys);
            if (isFirst) {
                await(firstMayFinish);
                if (firstFails) {
                    throw new IllegalStateException("the first batch fails as a whole");
                }
            }
            return members.stream().map(member -> refused()).toList();
        });
    }

    private CompletableFuture<Optional<LedgerEngine.Outcome>> submit(String key, Instruction instruction) {
        Movement movement = Movement.of("Test", IdempotencyKey.fromPartner(key), instruction, key);
        return CompletableFuture.supplyAsync(() -> groupCommit.submit(SCOPE, movement), runnable -> new Thread(runnable, "caller-" + key).start());
    }

    private List<String> nextBatch() throws InterruptedException {
        List<String> batch = began.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(batch).as("a batch began").isNotNull();
        return batch;
    }

    /** Until the condition holds (a caller's movement is queued); bounded, so a broken queue fails rather than hangs. */
    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("in time").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static LedgerEngine.Outcome refused() {
        return new LedgerEngine.Outcome(Optional.empty(), Optional.of(new PayflowException(ErrorReason.INSUFFICIENT_FUNDS, "stand-in")));
    }

    private static Instruction.Post transfer(String fromWalletId, String toWalletId) {
        return new Instruction.Post(TransactionType.TRANSFER, new Money(1, CurrencyUnit.of("USD")), new LedgerAccount.Wallet(fromWalletId),
                new LedgerAccount.Wallet(toWalletId), "transfer", "{}", "", Instruction.GatewayReference.NONE);
    }
}
