package dev.payflow.core.ledger;

import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many clients at once over a few wallets, so that requests collide on the same rows, with a
 * quarter of the requests sent two or three times at the same moment under the same key.
 */
class ConcurrentMoneyMovementTest {
    private static final int THREADS = 16;
    private static final int REQUESTS = 2_500;
    private static final int WALLET_COUNT = 6;
    private static final long FUNDING_CENTS = 100_000;
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

    /** What one send got back: a transaction, or a gRPC code and an ErrorInfo reason. */
    record Reply(Transaction transaction, Status.Code code, String reason) {
    }

    record Request(String idempotencyKey, String kind, long cents, Supplier<Transaction> call) {
    }

    @Test
    void racingClientsAndRacingDuplicatesLeaveOneTransactionPerKeyAndBalancedBooks() throws Exception {
        List<String> wallets = new ArrayList<>();
        for (int i = 0; i < WALLET_COUNT; i++) {
            String wallet = payflow.wallets(key).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u" + i)
                    .setExternalWalletId("concurrent-" + i).setName("w" + i).setCurrency("USD").build()).getId();
            wallets.add(wallet);
            payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet).setAmount(format(FUNDING_CENTS))
                    .setCurrency("USD").setIdempotencyKey("fund-" + i).build());
        }
        Random random = new Random(20261122);
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(randomRequest(random, wallets, "k-" + i));
        }

        Map<String, List<Reply>> replies = new ConcurrentHashMap<>();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long started = System.nanoTime();
        for (Request request : requests) {
            int copies = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
            CountDownLatch go = new CountDownLatch(1);
            for (int copy = 0; copy < copies; copy++) {
                pool.execute(() -> {
                    try {
                        go.await();
                        replies.computeIfAbsent(request.idempotencyKey(), k -> new CopyOnWriteArrayList<>()).add(send(request.call()));
                    } catch (Throwable t) {
                        unexpected.add(t);
                    }
                });
            }
            go.countDown();
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
        long sends = replies.values().stream().mapToLong(List::size).sum();
        System.out.printf("concurrency test: %d sends of %d requests on %d threads in %d ms%n", sends, REQUESTS, THREADS,
                (System.nanoTime() - started) / 1_000_000);
        assertThat(unexpected).isEmpty();

        long expectedTotal = FUNDING_CENTS * WALLET_COUNT;
        int inUse = 0;
        for (Request request : requests) {
            List<Reply> got = replies.get(request.idempotencyKey());
            List<Reply> answers = got.stream().filter(r -> !"IDEMPOTENCY_KEY_IN_USE".equals(r.reason())).toList();
            inUse += got.size() - answers.size();
            assertThat(got).allSatisfy(r -> {
                if ("IDEMPOTENCY_KEY_IN_USE".equals(r.reason())) {
                    assertThat(r.code()).isEqualTo(Status.Code.ABORTED);
                }
            });
            assertThat(answers).as("replies to %s", request.idempotencyKey()).isNotEmpty();
            // Every duplicate got the very same answer as the original: same transaction, or same error.
            assertThat(answers).as("replies to %s", request.idempotencyKey()).allMatch(r -> r.equals(answers.get(0)));
            Reply answer = answers.get(0);
            assertThat(answer.reason()).as("reason for %s", request.kind()).isIn(null, "INSUFFICIENT_FUNDS", "SAME_WALLET");
            int stored = payflow.server().database().reader().fetchCount(TRANSACTIONS, TRANSACTIONS.IDEMPOTENCY_KEY.eq(request.idempotencyKey()));
            assertThat(stored).as("transactions stored for %s", request.idempotencyKey()).isEqualTo(answer.transaction() == null ? 0 : 1);
            if (answer.transaction() != null) {
                expectedTotal += switch (request.kind()) {
                    case "credit" -> request.cents();
                    case "debit" -> -request.cents();
                    default -> 0;
                };
            }
        }
        System.out.printf("concurrency test: %d duplicate sends answered IDEMPOTENCY_KEY_IN_USE%n", inUse);

        long total = 0;
        for (String wallet : wallets) {
            total += new BigDecimal(payflow.wallets(key).getWallet(GetWalletRequest.newBuilder().setId(wallet).build()).getBalance())
                    .movePointRight(2).longValueExact();
        }
        assertThat(total).as("money in the wallets = funding + credits - debits").isEqualTo(expectedTotal);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    private static Request randomRequest(Random random, List<String> wallets, String idempotencyKey) {
        long cents = 1 + random.nextInt(5_000);
        String a = wallets.get(random.nextInt(wallets.size()));
        String b = wallets.get(random.nextInt(wallets.size()));
        return switch (random.nextInt(3)) {
            case 0 -> new Request(idempotencyKey, "credit", cents, () -> payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder()
                    .setWalletId(a).setAmount(format(cents)).setCurrency("USD").setIdempotencyKey(idempotencyKey).build()));
            case 1 -> new Request(idempotencyKey, "debit", cents * 3, () -> payflow.wallets(key).debitWallet(DebitWalletRequest.newBuilder()
                    .setWalletId(a).setAmount(format(cents * 3)).setCurrency("USD").setIdempotencyKey(idempotencyKey).build()));
            default -> new Request(idempotencyKey, "transfer", cents * 4, () -> payflow.transfers(key).createTransfer(CreateTransferRequest.newBuilder()
                    .setFromWalletId(a).setToWalletId(b).setAmount(format(cents * 4)).setCurrency("USD").setIdempotencyKey(idempotencyKey).build()));
        };
    }

    private static Reply send(Supplier<Transaction> call) {
        try {
            return new Reply(call.get(), Status.Code.OK, null);
        } catch (StatusRuntimeException e) {
            try {
                ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
                return new Reply(null, e.getStatus().getCode(), info.getReason());
            } catch (InvalidProtocolBufferException bad) {
                throw new AssertionError(bad);
            }
        }
    }

    private static String format(long cents) {
        return String.format("%d.%02d", cents / 100, cents % 100);
    }
}
