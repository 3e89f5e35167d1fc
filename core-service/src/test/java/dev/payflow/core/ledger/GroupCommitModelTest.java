package dev.payflow.core.ledger;

import static dev.payflow.core.persistence.jooq.Tables.IDEMPOTENCY_KEYS;
import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;
import static dev.payflow.core.persistence.jooq.Tables.WALLETS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.config.GroupCommitConfig;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Group commit against a model: hundreds of movements of two partners booked at once from many
 * threads (credits, transfers both ways between a few busy wallets, holds, refusals, racing
 * duplicates with the same and with other parameters, and members that make the database fail),
 * through an engine whose batches certainly form. Every answer is checked against what the model
 * says that request alone would have answered, and the books against the sum of what was booked.
 *
 * <p>The workload is drawn so that no answer depends on the order the requests are booked in:
 * busy wallets are funded far beyond what they can send, empty wallets never receive. A failing
 * seed is printed; rerun it with {@code -Dpayflow.seed=<seed>}.
 */
class GroupCommitModelTest {
    private static final CurrencyUnit USD = CurrencyUnit.of("USD");
    /** Far above what the workload can send from one wallet: the transfers from busy wallets never run short. */
    private static final long FUNDING_MINOR = 100_000_000;
    private static final int REQUESTS = 400;
    private static final int THREADS = 32;
    /** The description that makes the test's observer fail the database transaction it is in. */
    private static final String POISON = "poison";

    private static TestServer payflow;
    private static Database database;
    private static LedgerEngine engine;
    private static final List<PartnerScope> scopes = new ArrayList<>();
    private static final Map<PartnerScope, List<String>> busyWallets = new HashMap<>();
    private static final Map<PartnerScope, List<String>> emptyWallets = new HashMap<>();
    private static final Map<String, Long> fundedMinor = new HashMap<>();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        database = payflow.server().database();
        Clock clock = Clock.systemUTC();
        // A real database error, inside the batch's transaction, for the members named so.
        BookingObserver poisoned = (tx, scope, movement, booking, walletsBefore) -> {
            if (booking.transaction().map(t -> t.description().equals(POISON)).orElse(false)) {
                tx.execute("SELECT 1 / 0");
            }
        };
        // A window makes the batches form even on a quiet machine; two lanes make batches race each other on the same wallets.
        engine = new LedgerEngine(database, clock, new Ids(clock, new SecureRandom()), new WalletRepository(), new LedgerRepository(),
                new HoldRepository(), new IdempotencyRepository(), new SystemAccountRepository(), poisoned, new GroupCommitConfig(true, 2, 50, 2));
        for (int p = 0; p < 2; p++) {
            TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
            PartnerScope scope = new PartnerScope(partner.partnerId(), false);
            scopes.add(scope);
            List<String> busy = new ArrayList<>();
            List<String> empty = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String walletId = payflow.newWallet(partner.sandboxKey(), "USD").getId();
                engine.book(scope, Movement.of("Fund", IdempotencyKey.fromPartner("fund-" + walletId), credit(walletId, FUNDING_MINOR, "funding")));
                fundedMinor.put(walletId, FUNDING_MINOR);
                busy.add(walletId);
            }
            for (int i = 0; i < 2; i++) {
                String walletId = payflow.newWallet(partner.sandboxKey(), "USD").getId();
                fundedMinor.put(walletId, 0L);
                empty.add(walletId);
            }
            busyWallets.put(scope, busy);
            emptyWallets.put(scope, empty);
        }
    }

    @AfterAll
    static void stop() {
        engine.close();
        LedgerInvariants.assertHold(database);
        payflow.close();
    }

    /** What the model says a request's answer is: booked (with what it moves), refused for a reason, or failed by the database. */
    private sealed interface Expected {
    }

    private record Books(Map<String, Long> balanceChangesMinor, Map<String, Long> heldChangesMinor) implements Expected {
        Books(Map<String, Long> balanceChangesMinor) {
            this(balanceChangesMinor, Map.of());
        }

        void addTo(Map<String, Long> balancesMinor, Map<String, Long> heldMinor) {
            balanceChangesMinor.forEach((walletId, change) -> balancesMinor.merge(walletId, change, Long::sum));
            heldChangesMinor.forEach((walletId, change) -> heldMinor.merge(walletId, change, Long::sum));
        }
    }

    private record Refused(ErrorReason reason) implements Expected {
    }

    private record FailsInTheDatabase() implements Expected {
    }

    private record Request(PartnerScope scope, Movement movement, Expected expected) {
    }

    /** One key and the requests that use it: one request, copies of it, or two requests with other parameters. */
    private record Group(String key, List<Request> requests, boolean sameParameters) {
    }

    private record Answer(Booking booking, PayflowException refusal, RuntimeException failure) {
    }

    @Test
    void concurrentMixedMovementsEachGetTheAnswerTheyWouldGetAloneAndTheBooksBalance() throws Exception {
        long seed = Long.getLong("payflow.seed", System.nanoTime());
        String seeded = "seed " + seed + " (rerun with -Dpayflow.seed=" + seed + ")";
        Random random = new Random(seed);
        GroupCommit.Stats before = engine.groupCommitStats();
        List<Group> groups = workload(random, seed);
        List<Request> requests = new ArrayList<>();
        groups.forEach(group -> requests.addAll(group.requests()));
        java.util.Collections.shuffle(requests, random);

        Map<Request, Answer> answers = bookAllAtOnce(requests);

        Map<String, Long> expectedBalances = new HashMap<>(fundedMinor);
        Map<String, Long> expectedHeld = new HashMap<>();
        for (Group group : groups) {
            List<Answer> answered = group.requests().stream().map(answers::get).toList();
            String about = seeded + ", key " + group.key();
            if (group.requests().size() == 1 || group.sameParameters()) {
                Request request = group.requests().get(0);
                answered.forEach(answer -> assertAnswers(answer, request.expected(), about));
                if (request.expected() instanceof Books books) {
                    assertThat(answered.stream().map(a -> a.booking().transaction().map(t -> t.id()).orElseGet(() -> a.booking().requireHold().id())).distinct())
                            .as("every copy of %s is answered with the one booking", about).hasSize(1);
                    books.addTo(expectedBalances, expectedHeld);
                }
            } else {
                // Two requests with other parameters under one key: whichever came first books, the other is refused as a reuse.
                int winner = answered.get(0).booking() != null ? 0 : 1;
                assertAnswers(answered.get(winner), group.requests().get(winner).expected(), about);
                assertThat(answered.get(1 - winner).refusal()).as("the second request under %s", about).isNotNull()
                        .extracting(PayflowException::reason).isEqualTo(ErrorReason.IDEMPOTENCY_KEY_REUSED);
                ((Books) group.requests().get(winner).expected()).addTo(expectedBalances, expectedHeld);
            }
            long transactions = database.reader().fetchCount(TRANSACTIONS, TRANSACTIONS.IDEMPOTENCY_KEY.eq(group.key()));
            Expected first = group.requests().get(0).expected();
            boolean booksATransaction = first instanceof Books books && books.heldChangesMinor().isEmpty();
            assertThat(transactions).as("transactions booked under %s", about).isEqualTo(booksATransaction ? 1 : 0);
            if (first instanceof FailsInTheDatabase) {
                assertThat(database.reader().fetchCount(IDEMPOTENCY_KEYS, IDEMPOTENCY_KEYS.IDEMPOTENCY_KEY.eq(group.key())))
                        .as("a member the database failed leaves no claim on its key (%s)", about).isZero();
            }
        }
        expectedBalances.forEach((walletId, balance) -> assertThat(database.reader().select(WALLETS.BALANCE_MINOR).from(WALLETS)
                .where(WALLETS.ID.eq(walletId)).fetchOne(WALLETS.BALANCE_MINOR)).as("balance of %s, %s", walletId, seeded).isEqualTo(balance));
        fundedMinor.keySet().forEach(walletId -> assertThat(database.reader().select(WALLETS.HELD_MINOR).from(WALLETS)
                .where(WALLETS.ID.eq(walletId)).fetchOne(WALLETS.HELD_MINOR)).as("held on %s, %s", walletId, seeded)
                .isEqualTo(expectedHeld.getOrDefault(walletId, 0L)));
        LedgerInvariants.assertHold(database);

        GroupCommit.Stats after = engine.groupCommitStats();
        assertThat(after.largestBatch()).as("batches formed (%s)", after).isGreaterThan(1);
        assertThat(after.batches() - before.batches()).as("transactions fewer than the movements they booked (%s)", after)
                .isLessThan(after.members() - before.members());
        assertThat(after.batchesSplit() - before.batchesSplit()).as("batches split by a member the database failed (%s)", after).isPositive();

        // Replayed one by one afterwards, every request answers as it did (a database failure fails again: it never consumed its key).
        for (Request request : requests) {
            Answer first = answers.get(request);
            Answer replayed = book(request);
            String about = seeded + ", replay of " + request.movement().key().value();
            if (first.booking() != null) {
                assertThat(replayed.booking()).as(about).isEqualTo(first.booking());
            } else if (first.refusal() != null) {
                assertThat(replayed.refusal()).as(about).isNotNull().extracting(PayflowException::reason).isEqualTo(first.refusal().reason());
            } else {
                assertThat(replayed.failure()).as(about).isNotNull();
            }
        }
    }

    private static void assertAnswers(Answer answer, Expected expected, String about) {
        if (expected instanceof Books) {
            assertThat(answer.refusal()).as("refusal of %s", about).isNull();
            assertThat(answer.failure()).as("failure of %s", about).isNull();
            assertThat(answer.booking()).as("booking of %s", about).isNotNull();
        } else if (expected instanceof Refused refused) {
            assertThat(answer.failure()).as("failure of %s", about).isNull();
            assertThat(answer.refusal()).as("refusal of %s", about).isNotNull().extracting(PayflowException::reason).isEqualTo(refused.reason());
        } else {
            assertThat(answer.failure()).as("database failure of %s", about).isNotNull();
            assertThat(answer.failure().getMessage()).as("of %s", about).contains("division by zero");
        }
    }

    private static Map<Request, Answer> bookAllAtOnce(List<Request> requests) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Map<Request, Future<Answer>> pending = new java.util.IdentityHashMap<>();
            for (Request request : requests) {
                pending.put(request, threads.submit(() -> {
                    go.await();
                    return book(request);
                }));
            }
            go.countDown();
            Map<Request, Answer> answers = new java.util.IdentityHashMap<>();
            for (var entry : pending.entrySet()) {
                answers.put(entry.getKey(), entry.getValue().get(60, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            threads.shutdownNow();
        }
    }

    private static Answer book(Request request) {
        try {
            return new Answer(engine.book(request.scope(), request.movement()), null, null);
        } catch (PayflowException refused) {
            return new Answer(null, refused, null);
        } catch (RuntimeException failed) {
            return new Answer(null, null, failed);
        }
    }

    private static List<Group> workload(Random random, long seed) {
        List<Group> groups = new ArrayList<>();
        Ids ids = new Ids(Clock.systemUTC(), new SecureRandom());
        int requests = 0;
        for (int g = 0; requests < REQUESTS; g++) {
            PartnerScope scope = scopes.get(random.nextInt(scopes.size()));
            List<String> busy = busyWallets.get(scope);
            List<String> empty = emptyWallets.get(scope);
            String key = "gc-" + seed + "-" + g;
            String busyWallet = busy.get(random.nextInt(busy.size()));
            String otherBusyWallet = busy.stream().filter(w -> !w.equals(busyWallet)).toList().get(random.nextInt(busy.size() - 1));
            long amountMinor = 1 + random.nextInt(1_000);
            int draw = random.nextInt(100);
            Group group;
            if (draw < 25) {
                group = single(key, scope, credit(busyWallet, amountMinor, "credit"), new Books(Map.of(busyWallet, amountMinor)));
            } else if (draw < 55) {
                group = single(key, scope, transfer(busyWallet, otherBusyWallet, amountMinor),
                        new Books(Map.of(busyWallet, -amountMinor, otherBusyWallet, amountMinor)));
            } else if (draw < 62) {
                group = single(key, scope, hold(busyWallet, amountMinor), new Books(Map.of(), Map.of(busyWallet, amountMinor)));
            } else if (draw < 70) {
                String emptyWallet = empty.get(random.nextInt(empty.size()));
                group = single(key, scope, transfer(emptyWallet, busyWallet, amountMinor), new Refused(ErrorReason.INSUFFICIENT_FUNDS));
            } else if (draw < 75) {
                group = single(key, scope, transfer(busyWallet, ids.next(IdPrefix.WALLET), amountMinor), new Refused(ErrorReason.WALLET_NOT_FOUND));
            } else if (draw < 85) {
                // Racing copies of one request, one of them perhaps a refusal: one effect, the same answer to each.
                boolean refused = random.nextBoolean();
                String emptyWallet = empty.get(random.nextInt(empty.size()));
                Instruction instruction = refused ? transfer(emptyWallet, busyWallet, amountMinor) : transfer(busyWallet, otherBusyWallet, amountMinor);
                Expected expected = refused ? new Refused(ErrorReason.INSUFFICIENT_FUNDS)
                        : new Books(Map.of(busyWallet, -amountMinor, otherBusyWallet, amountMinor));
                Movement movement = Movement.of("Transfer", IdempotencyKey.fromPartner(key), instruction, key, amountMinor, refused);
                List<Request> copies = new ArrayList<>();
                for (int c = 0; c < 2 + random.nextInt(3); c++) {
                    copies.add(new Request(scope, movement, expected));
                }
                group = new Group(key, copies, true);
            } else if (draw < 96) {
                // One key, two requests with other parameters.
                long otherAmountMinor = amountMinor + 1;
                group = new Group(key, List.of(
                        new Request(scope, Movement.of("Credit", IdempotencyKey.fromPartner(key), credit(busyWallet, amountMinor, "credit"), amountMinor),
                                new Books(Map.of(busyWallet, amountMinor))),
                        new Request(scope, Movement.of("Credit", IdempotencyKey.fromPartner(key), credit(busyWallet, otherAmountMinor, "credit"),
                                otherAmountMinor), new Books(Map.of(busyWallet, otherAmountMinor)))), false);
            } else {
                group = single(key, scope, credit(busyWallet, amountMinor, POISON), new FailsInTheDatabase());
            }
            groups.add(group);
            requests += group.requests().size();
        }
        return groups;
    }

    private static Group single(String key, PartnerScope scope, Instruction instruction, Expected expected) {
        return new Group(key, List.of(new Request(scope, Movement.of("Model", IdempotencyKey.fromPartner(key), instruction, key), expected)), true);
    }

    private static Instruction.Post credit(String walletId, long amountMinor, String description) {
        return new Instruction.Post(TransactionType.CREDIT, new Money(amountMinor, USD),
                new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, "simulated"), new LedgerAccount.Wallet(walletId),
                description, "{}", "simulated", Instruction.GatewayReference.NONE);
    }

    private static Instruction.Post transfer(String fromWalletId, String toWalletId, long amountMinor) {
        return new Instruction.Post(TransactionType.TRANSFER, new Money(amountMinor, USD), new LedgerAccount.Wallet(fromWalletId),
                new LedgerAccount.Wallet(toWalletId), "transfer", "{}", "", Instruction.GatewayReference.NONE);
    }

    private static Instruction.PlaceHold hold(String walletId, long amountMinor) {
        return new Instruction.PlaceHold(walletId, new Money(amountMinor, USD), "hold", java.time.Instant.now().plus(Duration.ofDays(1)), "{}");
    }
}
