package dev.payflow.core.ledger;

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
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random sequences of credits, debits, transfers, freezes and retries against a real server,
 * checked reply by reply against a model that is nothing but a map of balances, then against the
 * statements and the ledger's invariants.
 */
class LedgerModelPropertyTest {
    private static final int WALLETS = 3;
    private static TestServer payflow;
    private static String key;

    @BeforeContainer
    static void start() {
        payflow = TestServer.start();
        key = payflow.onboard(Partner.Status.active).sandboxKey();
    }

    @AfterContainer
    static void stop() {
        payflow.close();
    }

    sealed interface Op permits Credit, Debit, Transfer, Freeze, Unfreeze, Retry {
    }

    record Credit(int wallet, long cents) implements Op {
    }

    record Debit(int wallet, long cents) implements Op {
    }

    record Transfer(int from, int to, long cents) implements Op {
    }

    record Freeze(int wallet) implements Op {
    }

    record Unfreeze(int wallet) implements Op {
    }

    /** Sends an earlier money-moving request again, with its idempotency key. */
    record Retry(int earlier) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Integer> wallet = Arbitraries.integers().between(0, WALLETS - 1);
        Arbitrary<Long> cents = Arbitraries.longs().between(1, 5_000);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Combinators.combine(wallet, cents).as(Credit::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(wallet, cents).as(Debit::new)),
                net.jqwik.api.Tuple.of(5, Combinators.combine(wallet, wallet, cents).as(Transfer::new)),
                net.jqwik.api.Tuple.of(1, wallet.map(Freeze::new)),
                net.jqwik.api.Tuple.of(1, wallet.map(Unfreeze::new)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 40).map(Retry::new)));
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    /** What a money-moving request answered: a transaction, or an error reason. */
    record Outcome(Transaction transaction, String reason) {
    }

    @Property(tries = 40)
    void everyReplyAndEveryBalanceFollowTheModel(@ForAll("operations") List<Op> ops) {
        List<String> wallets = new ArrayList<>();
        for (int i = 0; i < WALLETS; i++) {
            wallets.add(payflow.wallets(key).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u" + i)
                    .setExternalWalletId(UUID.randomUUID().toString()).setName("w" + i).setCurrency("USD").build()).getId());
        }
        long[] balance = new long[WALLETS];
        boolean[] frozen = new boolean[WALLETS];
        List<Supplier<Transaction>> sent = new ArrayList<>();
        Map<Integer, Outcome> outcomes = new HashMap<>();

        for (Op op : ops) {
            if (op instanceof Freeze freeze) {
                setStatus(wallets.get(freeze.wallet()), Wallet.Status.frozen);
                frozen[freeze.wallet()] = true;
            } else if (op instanceof Unfreeze unfreeze) {
                setStatus(wallets.get(unfreeze.wallet()), Wallet.Status.active);
                frozen[unfreeze.wallet()] = false;
            } else if (op instanceof Retry retry) {
                if (sent.isEmpty()) {
                    continue;
                }
                int index = retry.earlier() % sent.size();
                Outcome first = outcomes.get(index);
                Outcome again = send(sent.get(index));
                // A retry is answered exactly as the first time, whatever happened since, and moves nothing.
                assertThat(again).isEqualTo(first);
            } else {
                String idempotencyKey = UUID.randomUUID().toString();
                String expectedReason = expectedReason(op, balance, frozen);
                Supplier<Transaction> request = request(op, wallets, idempotencyKey);
                Outcome outcome = send(request);
                assertThat(outcome.reason()).as("%s with balances %s", op, java.util.Arrays.toString(balance)).isEqualTo(expectedReason);
                if (expectedReason == null) {
                    apply(op, balance);
                    assertEntriesShowNewBalances(outcome.transaction(), wallets, balance);
                }
                outcomes.put(sent.size(), outcome);
                sent.add(request);
            }
        }

        for (int i = 0; i < WALLETS; i++) {
            Wallet wallet = payflow.wallets(key).getWallet(GetWalletRequest.newBuilder().setId(wallets.get(i)).build());
            assertThat(wallet.getBalance()).isEqualTo(format(balance[i]));
            List<LedgerEntry> statement = payflow.ledger(key).listLedgerEntries(ListLedgerEntriesRequest.newBuilder()
                    .setWalletId(wallets.get(i)).setPageSize(1).build()).getLedgerEntriesList();
            assertThat(statement.isEmpty() ? "0.00" : statement.get(0).getBalance()).isEqualTo(format(balance[i]));
        }
        LedgerInvariants.assertHold(payflow.server().database());
    }

    private static String expectedReason(Op op, long[] balance, boolean[] frozen) {
        if (op instanceof Credit credit) {
            return frozen[credit.wallet()] ? "WALLET_FROZEN" : null;
        }
        if (op instanceof Debit debit) {
            if (frozen[debit.wallet()]) {
                return "WALLET_FROZEN";
            }
            return balance[debit.wallet()] < debit.cents() ? "INSUFFICIENT_FUNDS" : null;
        }
        Transfer transfer = (Transfer) op;
        if (transfer.from() == transfer.to()) {
            return "SAME_WALLET";
        }
        if (frozen[transfer.from()] || frozen[transfer.to()]) {
            return "WALLET_FROZEN";
        }
        return balance[transfer.from()] < transfer.cents() ? "INSUFFICIENT_FUNDS" : null;
    }

    private static void apply(Op op, long[] balance) {
        if (op instanceof Credit credit) {
            balance[credit.wallet()] += credit.cents();
        } else if (op instanceof Debit debit) {
            balance[debit.wallet()] -= debit.cents();
        } else if (op instanceof Transfer transfer) {
            balance[transfer.from()] -= transfer.cents();
            balance[transfer.to()] += transfer.cents();
        }
    }

    private static void assertEntriesShowNewBalances(Transaction transaction, List<String> wallets, long[] balance) {
        assertThat(transaction.getStatus()).isEqualTo(Transaction.Status.completed);
        for (LedgerEntry entry : transaction.getEntriesList()) {
            assertThat(entry.getBalance()).isEqualTo(format(balance[wallets.indexOf(entry.getWalletId())]));
        }
    }

    /** The request as a call that can be sent again, with the same idempotency key. */
    private static Supplier<Transaction> request(Op op, List<String> wallets, String idempotencyKey) {
        if (op instanceof Credit credit) {
            return () -> payflow.wallets(key).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallets.get(credit.wallet()))
                    .setAmount(format(credit.cents())).setCurrency("USD").setIdempotencyKey(idempotencyKey).build());
        }
        if (op instanceof Debit debit) {
            return () -> payflow.wallets(key).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallets.get(debit.wallet()))
                    .setAmount(format(debit.cents())).setCurrency("USD").setIdempotencyKey(idempotencyKey).build());
        }
        Transfer transfer = (Transfer) op;
        return () -> payflow.transfers(key).createTransfer(CreateTransferRequest.newBuilder()
                .setFromWalletId(wallets.get(transfer.from())).setToWalletId(wallets.get(transfer.to()))
                .setAmount(format(transfer.cents())).setCurrency("USD").setIdempotencyKey(idempotencyKey).build());
    }

    private static Outcome send(Supplier<Transaction> request) {
        try {
            return new Outcome(request.get(), null);
        } catch (StatusRuntimeException e) {
            try {
                com.google.rpc.Status status = StatusProto.fromThrowable(e);
                return new Outcome(null, status.getDetails(0).unpack(ErrorInfo.class).getReason());
            } catch (InvalidProtocolBufferException bad) {
                throw new AssertionError(bad);
            }
        }
    }

    private static void setStatus(String walletId, Wallet.Status status) {
        payflow.wallets(key).updateWallet(UpdateWalletRequest.newBuilder().setId(walletId).setStatus(status).build());
    }

    private static String format(long cents) {
        return String.format("%d.%02d", cents / 100, cents % 100);
    }
}
