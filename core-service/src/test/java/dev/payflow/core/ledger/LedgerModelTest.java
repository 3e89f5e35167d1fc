package dev.payflow.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.ApiErrors;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import com.google.protobuf.Message;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.VoidHoldRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Random sequences of credits, debits, transfers, holds (placed, captured, voided, expired),
 * freezes and retries against a real server, checked reply by reply against a model that is
 * nothing but balances, reservations, holds and frozen flags, then against the statements, the
 * available balances and the ledger's invariants.
 *
 * <p>Each seed drives one {@link java.util.Random}, so a sequence is replayed exactly from its
 * seed. CI runs the fixed {@link #SEEDS}; {@code -Dpayflow.model.seed=N} runs seed N alone (the
 * seed of a failure is in its assertion message), and {@code -Dpayflow.model.iterations=M} (or
 * {@code PAYFLOW_MODEL_ITERATIONS=M}) adds M fresh seeds, each printed before it runs.
 *
 * <p>A new operation is one more {@link Kind} with its weight, one more case in {@link #generate}
 * and one more case in {@link Run#step}, which sends it, checks the reply and updates the model.
 */
class LedgerModelTest {
    /** The seeds every build runs: 40 sequences, as many as the jqwik property test this replaced tried. */
    private static final long[] SEEDS = LongStream.rangeClosed(1, 40).toArray();
    private static final int WALLETS = 3;
    /** Sequences are 1..40 operations long: long enough to reach every rule, short enough to read when one fails. */
    private static final int OPERATIONS_MAX = 40;
    private static final long CENTS_MAX = 5_000;

    private static TestServer payflow;
    private static String key;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        key = payflow.onboard(Partner.Status.active).sandboxKey();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    /** The operations, each with how often it is drawn relative to the others. */
    enum Kind {
        CREDIT(4), DEBIT(3), TRANSFER(5), HOLD(3), CAPTURE(2), VOID(1), EXPIRE(1), FREEZE(1), UNFREEZE(1), RETRY(2);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    /**
     * One operation. Which fields matter depends on the kind: {@code wallet} for all but retries,
     * {@code toWallet} for transfers (then {@code wallet} is the from-wallet), {@code cents} for money movements,
     * {@code earlier} for retries (an index into the requests sent so far, modulo their number) and
     * for captures and voids (an index into the holds placed so far); a capture's {@code cents} of 0
     * takes the whole hold, its {@code toWallet} of -1 sends the funds to settlement.
     */
    record Op(Kind kind, int wallet, int toWallet, long cents, int earlier) {
        @Override
        public String toString() {
            return switch (kind) {
                case CREDIT, DEBIT -> kind + "(wallet " + wallet + ", " + cents + " cents)";
                case TRANSFER -> kind + "(from " + wallet + " to " + toWallet + ", " + cents + " cents)";
                case HOLD -> kind + "(wallet " + wallet + ", " + cents + " cents)";
                case CAPTURE -> kind + "(hold " + earlier + ", " + (cents == 0 ? "all" : cents + " cents") + " to "
                        + (toWallet < 0 ? "settlement" : "wallet " + toWallet) + ")";
                case VOID -> kind + "(hold " + earlier + ")";
                case EXPIRE -> kind + "(8 days pass, the worker runs)";
                case FREEZE, UNFREEZE -> kind + "(wallet " + wallet + ")";
                case RETRY -> kind + "(request " + earlier + ")";
            };
        }
    }

    @TestFactory
    Stream<DynamicTest> everyReplyAndEveryBalanceFollowTheModel() {
        return seeds().mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> new Run(seed).execute()));
    }

    private static LongStream seeds() {
        String replay = System.getProperty("payflow.model.seed");
        if (replay != null && !replay.isBlank()) {
            return LongStream.of(Long.parseLong(replay.trim()));
        }
        String iterations = System.getProperty("payflow.model.iterations", System.getenv("PAYFLOW_MODEL_ITERATIONS"));
        int extra = iterations == null || iterations.isBlank() ? 0 : Integer.parseInt(iterations.trim());
        SecureRandom fresh = new SecureRandom();
        LongStream more = LongStream.generate(() -> {
            long seed = fresh.nextLong();
            System.out.println("LedgerModelTest: running fresh seed " + seed);
            return seed;
        }).limit(extra);
        return LongStream.concat(Arrays.stream(SEEDS), more);
    }

    /** The operations of one seed: the same seed always gives the same list. */
    static List<Op> operations(long seed) {
        Random random = new Random(seed);
        int length = 1 + random.nextInt(OPERATIONS_MAX);
        List<Op> ops = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            ops.add(generate(pick(random), random));
        }
        return ops;
    }

    private static Kind pick(Random random) {
        int total = Arrays.stream(Kind.values()).mapToInt(kind -> kind.weight).sum();
        int roll = random.nextInt(total);
        for (Kind kind : Kind.values()) {
            roll -= kind.weight;
            if (roll < 0) {
                return kind;
            }
        }
        throw new AssertionError("unreachable");
    }

    private static Op generate(Kind kind, Random random) {
        int wallet = random.nextInt(WALLETS);
        return switch (kind) {
            case CREDIT, DEBIT, HOLD -> new Op(kind, wallet, -1, cents(random), -1);
            case CAPTURE -> new Op(kind, -1, random.nextInt(WALLETS + 1) - 1, random.nextInt(3) == 0 ? 0 : cents(random),
                    random.nextInt(OPERATIONS_MAX + 1));
            case VOID -> new Op(kind, -1, -1, 0, random.nextInt(OPERATIONS_MAX + 1));
            case EXPIRE -> new Op(kind, -1, -1, 0, -1);
            // Any two wallets, the same one included: a transfer to itself must be refused.
            case TRANSFER -> new Op(kind, wallet, random.nextInt(WALLETS), cents(random), -1);
            case FREEZE, UNFREEZE -> new Op(kind, wallet, -1, 0, -1);
            case RETRY -> new Op(kind, -1, -1, 0, random.nextInt(OPERATIONS_MAX + 1));
        };
    }

    private static long cents(Random random) {
        return 1 + (long) random.nextInt((int) CENTS_MAX);
    }

    /** What a money-moving request answered: a transaction or a hold, or an error reason. */
    record Outcome(Message result, String reason) {
        Transaction transaction() {
            return (Transaction) result;
        }
    }

    /** The model of one hold: where, how much, and whether it is still pending. */
    private static final class ModelHold {
        final String id;
        final int wallet;
        final long cents;
        Hold.Status status = Hold.Status.pending;

        ModelHold(String id, int wallet, long cents) {
            this.id = id;
            this.wallet = wallet;
            this.cents = cents;
        }
    }

    /** One seed's sequence against fresh wallets, and the model it is checked against. */
    private static final class Run {
        private final long seed;
        private final List<String> wallets = new ArrayList<>();
        private final long[] balance = new long[WALLETS];
        private final long[] held = new long[WALLETS];
        private final List<ModelHold> holds = new ArrayList<>();
        private final boolean[] frozen = new boolean[WALLETS];
        /** Every money-moving request sent, as a call that sends it again with the same idempotency key, and its first outcome. */
        private final List<Supplier<? extends Message>> sent = new ArrayList<>();
        private final List<Outcome> outcomes = new ArrayList<>();

        Run(long seed) {
            this.seed = seed;
        }

        void execute() {
            List<Op> ops = operations(seed);
            int step = -1;
            try {
                for (int i = 0; i < WALLETS; i++) {
                    wallets.add(payflow.newWallet(key, "USD").getId());
                }
                for (step = 0; step < ops.size(); step++) {
                    step(ops.get(step));
                }
                step = ops.size();
                assertBalancesAndStatementsFollowTheModel();
                LedgerInvariants.assertHold(payflow.server().database());
            } catch (AssertionError | RuntimeException failure) {
                String where = step < 0 ? "before the first operation" : step < ops.size() ? "at operation " + step + " " + ops.get(step)
                        : "after the last operation";
                throw new AssertionError("seed " + seed + " failed " + where + " (replay: -Dpayflow.model.seed=" + seed + "; operations: " + ops
                        + "): " + failure.getMessage(), failure);
            }
        }

        /** Sends one operation, checks its reply against the model, and updates the model. */
        private void step(Op op) {
            switch (op.kind()) {
                case CREDIT -> moveMoney(op, frozen[op.wallet()] ? "WALLET_FROZEN" : null,
                        idempotencyKey -> () -> payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder()
                                .setWalletId(wallets.get(op.wallet())).setAmount(format(op.cents())).setCurrency("USD")
                                .setIdempotencyKey(idempotencyKey).build()),
                        () -> balance[op.wallet()] += op.cents());
                case DEBIT -> moveMoney(op, frozen[op.wallet()] ? "WALLET_FROZEN" : available(op.wallet()) < op.cents() ? "INSUFFICIENT_FUNDS" : null,
                        idempotencyKey -> () -> payflow.wallets(key).debitWallet(DebitWalletRequest.newBuilder()
                                .setWalletId(wallets.get(op.wallet())).setAmount(format(op.cents())).setCurrency("USD")
                                .setIdempotencyKey(idempotencyKey).build()),
                        () -> balance[op.wallet()] -= op.cents());
                case TRANSFER -> moveMoney(op, expectedTransferReason(op),
                        idempotencyKey -> () -> payflow.transfers(key).createTransfer(CreateTransferRequest.newBuilder()
                                .setFromWalletId(wallets.get(op.wallet())).setToWalletId(wallets.get(op.toWallet()))
                                .setAmount(format(op.cents())).setCurrency("USD").setIdempotencyKey(idempotencyKey).build()),
                        () -> {
                            balance[op.wallet()] -= op.cents();
                            balance[op.toWallet()] += op.cents();
                        });
                case HOLD -> moveMoney(op, frozen[op.wallet()] ? "WALLET_FROZEN" : available(op.wallet()) < op.cents() ? "INSUFFICIENT_FUNDS" : null,
                        idempotencyKey -> () -> payflow.holds(key).createHold(CreateHoldRequest.newBuilder()
                                .setWalletId(wallets.get(op.wallet())).setAmount(format(op.cents())).setCurrency("USD")
                                .setIdempotencyKey(idempotencyKey).build()),
                        () -> held[op.wallet()] += op.cents());
                case CAPTURE -> {
                    if (!holds.isEmpty()) {
                        capture(op, holds.get(op.earlier() % holds.size()));
                    }
                }
                case VOID -> {
                    if (!holds.isEmpty()) {
                        ModelHold hold = holds.get(op.earlier() % holds.size());
                        moveMoney(op, hold.status != Hold.Status.pending ? "HOLD_NOT_PENDING" : null,
                                idempotencyKey -> () -> payflow.holds(key).voidHold(VoidHoldRequest.newBuilder().setId(hold.id)
                                        .setIdempotencyKey(idempotencyKey).build()),
                                () -> release(hold, Hold.Status.voided));
                    }
                }
                case EXPIRE -> {
                    payflow.clock().advance(Duration.ofDays(8));
                    payflow.server().holdExpiry().releaseDue();
                    holds.stream().filter(hold -> hold.status == Hold.Status.pending).forEach(hold -> release(hold, Hold.Status.expired));
                }
                case FREEZE -> {
                    payflow.setWalletStatus(key, wallets.get(op.wallet()), Wallet.Status.frozen);
                    frozen[op.wallet()] = true;
                }
                case UNFREEZE -> {
                    payflow.setWalletStatus(key, wallets.get(op.wallet()), Wallet.Status.active);
                    frozen[op.wallet()] = false;
                }
                case RETRY -> {
                    if (!sent.isEmpty()) {
                        int index = op.earlier() % sent.size();
                        // A retry is answered exactly as the first time, whatever happened since, and moves nothing.
                        assertThat(send(sent.get(index))).as("retry of request %d", index).isEqualTo(outcomes.get(index));
                    }
                }
            }
        }

        private String expectedTransferReason(Op transfer) {
            if (transfer.wallet() == transfer.toWallet()) {
                return "SAME_WALLET";
            }
            if (frozen[transfer.wallet()] || frozen[transfer.toWallet()]) {
                return "WALLET_FROZEN";
            }
            return available(transfer.wallet()) < transfer.cents() ? "INSUFFICIENT_FUNDS" : null;
        }

        private long available(int wallet) {
            return balance[wallet] - held[wallet];
        }

        private void capture(Op op, ModelHold hold) {
            long cents = op.cents() == 0 ? hold.cents : op.cents();
            String expected = hold.status != Hold.Status.pending ? "HOLD_NOT_PENDING"
                    : cents > hold.cents ? "HOLD_AMOUNT_EXCEEDED"
                    : op.toWallet() == hold.wallet ? "SAME_WALLET"
                    : frozen[hold.wallet] || (op.toWallet() >= 0 && frozen[op.toWallet()]) ? "WALLET_FROZEN" : null;
            moveMoney(op, expected, idempotencyKey -> () -> {
                CaptureHoldRequest.Builder request = CaptureHoldRequest.newBuilder().setId(hold.id).setIdempotencyKey(idempotencyKey);
                if (op.cents() > 0) {
                    request.setAmount(format(op.cents()));
                }
                if (op.toWallet() >= 0) {
                    request.setToWalletId(wallets.get(op.toWallet()));
                }
                return payflow.holds(key).captureHold(request.build());
            }, () -> {
                balance[hold.wallet] -= cents;
                if (op.toWallet() >= 0) {
                    balance[op.toWallet()] += cents;
                }
                release(hold, Hold.Status.captured);
            });
        }

        private void release(ModelHold hold, Hold.Status status) {
            held[hold.wallet] -= hold.cents;
            hold.status = status;
        }

        /**
         * Sends a money-moving request with a fresh key and checks it answers the expected reason (or
         * succeeds when none is expected, with entries that show the model's new balances).
         */
        private void moveMoney(Op op, String expectedReason, Function<String, Supplier<? extends Message>> request, Runnable apply) {
            Supplier<? extends Message> call = request.apply(TestServer.newIdempotencyKey());
            Outcome outcome = send(call);
            assertThat(outcome.reason()).as("%s with balances %s, held %s", op, Arrays.toString(balance), Arrays.toString(held))
                    .isEqualTo(expectedReason);
            if (expectedReason == null) {
                apply.run();
                if (outcome.result() instanceof Transaction transaction) {
                    assertEntriesShowNewBalances(transaction);
                } else if (op.kind() == Kind.HOLD) {
                    Hold placed = (Hold) outcome.result();
                    assertThat(placed.getStatus()).isEqualTo(Hold.Status.pending);
                    holds.add(new ModelHold(placed.getId(), op.wallet(), op.cents()));
                } else {
                    assertThat(((Hold) outcome.result()).getStatus()).isEqualTo(op.kind() == Kind.CAPTURE ? Hold.Status.captured : Hold.Status.voided);
                }
            }
            outcomes.add(outcome);
            sent.add(call);
        }

        private void assertEntriesShowNewBalances(Transaction transaction) {
            assertThat(transaction.getStatus()).isEqualTo(Transaction.Status.completed);
            for (LedgerEntry entry : transaction.getEntriesList()) {
                assertThat(entry.getBalance()).as("balance after entry of %s", entry.getWalletId())
                        .isEqualTo(format(balance[wallets.indexOf(entry.getWalletId())]));
            }
        }

        private void assertBalancesAndStatementsFollowTheModel() {
            for (int i = 0; i < WALLETS; i++) {
                assertThat(payflow.balanceOf(key, wallets.get(i))).as("balance of wallet %d", i).isEqualTo(format(balance[i]));
                assertThat(payflow.wallets(key).getWallet(GetWalletRequest.newBuilder().setId(wallets.get(i)).build()).getAvailableBalance())
                        .as("available balance of wallet %d", i).isEqualTo(format(available(i)));
                List<LedgerEntry> statement = payflow.ledger(key).listLedgerEntries(ListLedgerEntriesRequest.newBuilder()
                        .setWalletId(wallets.get(i)).setPageSize(1).build()).getLedgerEntriesList();
                assertThat(statement.isEmpty() ? "0.00" : statement.get(0).getBalance()).as("statement of wallet %d", i).isEqualTo(format(balance[i]));
            }
        }
    }

    private static Outcome send(Supplier<? extends Message> request) {
        try {
            return new Outcome(request.get(), null);
        } catch (StatusRuntimeException e) {
            com.google.rpc.Status status = StatusProto.fromThrowable(e);
            if (status == null) {
                throw new AssertionError("an error without google.rpc.Status details: " + e.getStatus(), e);
            }
            return new Outcome(null, ApiErrors.errorInfo(status).getReason());
        }
    }

    private static String format(long cents) {
        return String.format("%d.%02d", cents / 100, cents % 100);
    }
}
