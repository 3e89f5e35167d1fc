package dev.payflow.bankrun;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateApiKeyRequest;
import dev.payflow.proto.v1.CreatePartnerRequest;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.GetTransactionRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.UpdatePartnerStatusRequest;
import dev.payflow.proto.v1.Wallet;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The bank run: starts the service jar on a real PostgreSQL, drives it with concurrent clients over
 * gRPC and REST that retry like careful partners, SIGKILLs it and restarts PostgreSQL on a seeded
 * schedule, and checks the books after every fault and at the end. Prints a table; exits 1 on any
 * violation, 2 when the run itself could not be carried out. See docs/bankrun.md.
 */
public final class BankRun {
    /** Every wallet starts with this much (minor units): enough for a while, little enough that funds run out. */
    private static final long FUNDING_MINOR = 50_000;
    /** Movements are 1..AMOUNT_MAX_MINOR minor units (up to 50.00 USD or 5,000 JPY). */
    private static final int AMOUNT_MAX_MINOR = 5_000;
    /** A client resolves its oldest holds once it has this many open, so reservations do not pile up. */
    private static final int OPEN_HOLDS_PER_CLIENT_MAX = 8;
    /** Acknowledged transactions read back through the API at the end (the rest are checked in the database). */
    private static final int API_SAMPLE_SIZE = 400;
    /** Refusals a correct service gives this run's requests: every other one is a violation. */
    /** How often a long run says how far it is. */
    private static final long PROGRESS_INTERVAL_NANOS = 60_000_000_000L;
    private long lastReport = System.nanoTime();
    private static final java.util.Set<String> EXPECTED_REFUSALS = java.util.Set.of("INSUFFICIENT_FUNDS");

    private final Settings settings;
    private final Tally tally = new Tally();
    private final Books books;
    private final long startedNanos = System.nanoTime();
    private final ConcurrentLinkedQueue<Call> finished = new ConcurrentLinkedQueue<>();
    private final List<Call> givenUp = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, List<Call.Wallet>> walletsByCurrency = new HashMap<>();
    private final List<Call.Wallet> allWallets = new ArrayList<>();
    private Service service;
    private ManagedChannel channel;
    private HttpClient http;
    private Transport transport;
    private String partnerId;
    private String apiKey;

    private BankRun(Settings settings) {
        this.settings = settings;
        this.books = new Books(settings);
    }

    public static void main(String[] args) {
        Settings settings;
        try {
            settings = Settings.fromSystem();
        } catch (IllegalArgumentException e) {
            System.err.println("bank run: " + e.getMessage());
            System.exit(2);
            return;
        }
        int exit;
        try {
            exit = new BankRun(settings).run();
        } catch (Exception e) {
            System.out.flush();
            System.err.println("bank run could not be carried out (seed " + settings.seed() + "): " + e);
            e.printStackTrace();
            exit = 2;
        }
        System.exit(exit);
    }

    /** One fault the schedule injects once the clients have started {@code atOperation} calls. */
    private record Fault(long atOperation, boolean postgres, long pauseMs) {
    }

    private int run() throws Exception {
        log("seed %d (replay with -Dbankrun.seed=%d -Dbankrun.profile=%s), %d operations, %d clients, %d wallets "
                        + "(%d per currency in %s, %d hot each taking %d%% of the traffic), %d kills, %d PostgreSQL restarts, %d cores",
                settings.seed(), settings.seed(), settings.profile(), settings.operations(), settings.clients(),
                settings.walletsPerCurrency() * Settings.CURRENCIES.length, settings.walletsPerCurrency(), String.join(" and ", Settings.CURRENCIES),
                settings.hotWalletsPerCurrency(), settings.hotSharePercent(), settings.kills(), settings.postgresRestarts(),
                Runtime.getRuntime().availableProcessors());
        List<Fault> schedule = schedule();
        log("schedule " + schedule);
        long started = System.nanoTime();
        byte[] token = new byte[24];
        new SecureRandom().nextBytes(token);
        service = new Service(settings, "bankrun-" + HexFormat.of().formatHex(token));
        log("service log " + service.log().toAbsolutePath());
        try (Service running = service) {
            service.start();
            channel = NettyChannelBuilder.forAddress("127.0.0.1", service.grpcPort).usePlaintext().build();
            // HTTP/1.1 as most partners' REST clients speak it (and no h2c upgrade in the way of a retry).
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            setUp(token);
            check("after set-up", false);

            long loadStarted = System.nanoTime();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < settings.clients(); i++) {
                int client = i;
                Thread thread = new Thread(() -> drive(client), "client-" + i);
                thread.start();
                clients.add(thread);
            }
            int kills = 0;
            int restarts = 0;
            Random pauses = new Random(settings.seed() ^ 0x5DEECE66DL);
            for (Fault fault : schedule) {
                awaitOperations(fault.atOperation(), clients);
                Thread.sleep(pauses.nextInt(300));
                if (fault.postgres()) {
                    restartPostgres(++restarts);
                    check("after PostgreSQL restart " + restarts, false);
                } else {
                    kill(++kills, fault.pauseMs());
                    check("after kill " + kills, false);
                }
            }
            awaitOperations(Long.MAX_VALUE, clients);
            for (Thread thread : clients) {
                thread.join();
            }
            double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
            check("after the load", false);
            settleGivenUp();
            check("at the end", true);
            report(loadSeconds, (System.nanoTime() - started) / 1e9);
            channel.shutdownNow();
        }
        return tally.violationCount() == 0 ? 0 : 1;
    }

    /** Kills at seeded operation counts between 5% and 95% of the run, PostgreSQL restarts among them. */
    private List<Fault> schedule() {
        Random random = new Random(settings.seed());
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < settings.kills(); i++) {
            faults.add(new Fault(position(random), false, random.nextInt(2_000)));
        }
        for (int i = 0; i < settings.postgresRestarts(); i++) {
            faults.add(new Fault(position(random), true, 0));
        }
        faults.sort((a, b) -> Long.compare(a.atOperation(), b.atOperation()));
        return faults;
    }

    private long position(Random random) {
        return (long) (settings.operations() * (0.05 + 0.9 * random.nextDouble()));
    }

    private void setUp(byte[] token) throws Exception {
        PartnerAdminServiceGrpc.PartnerAdminServiceBlockingStub admin = Transport.withBearer(PartnerAdminServiceGrpc.newBlockingStub(channel),
                "bankrun-" + HexFormat.of().formatHex(token)).withDeadlineAfter(60, TimeUnit.SECONDS);
        // The seed stays out of the partner's name: a name is free text, and a seed's 19 digits can pass for a card
        // number, which PayFlow refuses with CARD_DATA_NOT_ACCEPTED (seed 6655413301951806577 did). Each run has a
        // database of its own, so the name needs nothing to tell runs apart.
        partnerId = admin.createPartner(CreatePartnerRequest.newBuilder().setName("Bank run").setCompanyName("Bank Run Inc")
                .setEmail("bankrun@bankrun.example").build()).getId();
        admin.updatePartnerStatus(UpdatePartnerStatusRequest.newBuilder().setId(partnerId).setStatus(Partner.Status.approved)
                .setReason("bank run").build());
        apiKey = admin.createApiKey(CreateApiKeyRequest.newBuilder().setReason("test").setPartnerId(partnerId).setEnvironment(ApiKey.Environment.sandbox)
                .setName("bank run").build()).getKey();
        transport = new Transport(channel, http, service.httpPort, apiKey, settings.callDeadlineMs());
        WalletServiceGrpc.WalletServiceBlockingStub wallets = Transport.withBearer(WalletServiceGrpc.newBlockingStub(channel), apiKey);
        // Creating a wallet is not idempotent, so set-up runs before the first fault and does not retry. Wallets are
        // created in parallel (the order of their ids does not matter); each is named by its currency and index.
        for (String currency : Settings.CURRENCIES) {
            Call.Wallet[] list = new Call.Wallet[settings.walletsPerCurrency()];
            int offset = allWallets.size();
            java.util.stream.IntStream.range(0, list.length).parallel().forEach(i -> {
                String name = currency + "-" + i;
                String id = wallets.withDeadlineAfter(60, TimeUnit.SECONDS).createWallet(CreateWalletRequest.newBuilder()
                        .setExternalUserId("bankrun-user-" + name).setExternalWalletId("bankrun-" + name).setName("Bank run " + name)
                        .setCurrency(currency).build()).getId();
                Call.Wallet wallet = new Call.Wallet(id, currency, offset + i);
                list[i] = wallet;
                Call funding = new Call(Call.Kind.CREDIT, "br-" + settings.seed() + "-fund-" + name, i % 2 == 1, wallet, null, FUNDING_MINOR, null);
                execute(funding, new Random(settings.seed() + offset + i));
                if (funding.status != Call.Status.ACKNOWLEDGED) {
                    throw new IllegalStateException("funding " + funding + " was not acknowledged before any fault (last connection failure: "
                            + transport.lastIoFailure + ")");
                }
            });
            allWallets.addAll(List.of(list));
            walletsByCurrency.put(currency, List.of(list));
        }
        log("partner %s, %d wallets funded", partnerId, allWallets.size());
    }

    /** One client: a seeded stream of calls, each retried with its key until answered or given up. */
    private void drive(int client) {
        Random random = new Random(settings.seed() * 31 + client + 2);
        List<Call> openHolds = new ArrayList<>();
        long n = 0;
        while (tally.attempted.getAndIncrement() < settings.operations()) {
            String key = "br-" + settings.seed() + "-c" + client + "-" + n++;
            Call call = next(random, key, openHolds);
            execute(call, random);
            if (call.kind == Call.Kind.PLACE_HOLD && call.status == Call.Status.ACKNOWLEDGED) {
                openHolds.add(call);
            }
        }
        tally.attempted.decrementAndGet();
    }

    private Call next(Random random, String key, List<Call> openHolds) {
        boolean rest = random.nextBoolean();
        int roll = random.nextInt(100);
        boolean resolveHold = !openHolds.isEmpty() && (roll >= 85 || openHolds.size() >= OPEN_HOLDS_PER_CLIENT_MAX);
        if (resolveHold) {
            // A hold is resolved once by the client that placed it, even if the call is given up (then its fate is in doubt).
            Call hold = openHolds.remove(random.nextInt(openHolds.size()));
            if (random.nextInt(100) < 30) {
                return new Call(Call.Kind.VOID_HOLD, key, rest, hold.wallet, null, hold.amountMinor, hold);
            }
            long amount = random.nextBoolean() ? hold.amountMinor : 1 + random.nextInt((int) hold.amountMinor);
            Call.Wallet target = random.nextBoolean() ? pickOther(random, hold.wallet) : null;
            return new Call(Call.Kind.CAPTURE_HOLD, key, rest, hold.wallet, target, amount, hold);
        }
        Call.Wallet wallet = pick(random, Settings.CURRENCIES[random.nextInt(Settings.CURRENCIES.length)]);
        long amount = 1 + random.nextInt(AMOUNT_MAX_MINOR);
        if (roll < 25) {
            return new Call(Call.Kind.CREDIT, key, rest, wallet, null, amount, null);
        } else if (roll < 40) {
            return new Call(Call.Kind.DEBIT, key, rest, wallet, null, amount, null);
        } else if (roll < 70) {
            return new Call(Call.Kind.TRANSFER, key, rest, wallet, pickOther(random, wallet), amount, null);
        }
        return new Call(Call.Kind.PLACE_HOLD, key, rest, wallet, null, amount, null);
    }

    /** A few hot wallets take most of the traffic; the others share the rest evenly. */
    private Call.Wallet pick(Random random, String currency) {
        List<Call.Wallet> list = walletsByCurrency.get(currency);
        int hot = settings.hotWalletsPerCurrency();
        if (random.nextInt(100) < settings.hotSharePercent()) {
            return list.get(random.nextInt(hot));
        }
        return list.get(hot + random.nextInt(list.size() - hot));
    }

    private Call.Wallet pickOther(Random random, Call.Wallet wallet) {
        Call.Wallet other;
        do {
            other = pick(random, wallet.currency());
        } while (other.equals(wallet));
        return other;
    }

    /** Sends a call, retrying with the same key on anything but a final answer, with capped exponential backoff. */
    private void execute(Call call, Random random) {
        (call.rest ? tally.restCalls : tally.grpcCalls).increment();
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            call.attempts++;
            try {
                record(call, transport.send(call));
                finished.add(call);
                return;
            } catch (Transport.RetryableFailure failure) {
                call.lastFailure = failure.why;
                if (attempt < settings.maxAttempts()) {
                    tally.retried(failure.why);
                    sleep(Math.min(2_000, 100L << Math.min(attempt - 1, 10)) + random.nextInt(100));
                }
            }
        }
        call.status = Call.Status.GAVE_UP;
        tally.gaveUp.increment();
        givenUp.add(call);
    }

    private void record(Call call, Transport.Answer answer) {
        if (answer instanceof Transport.Success success) {
            call.status = Call.Status.ACKNOWLEDGED;
            call.answeredId = success.id();
            call.answeredAmountMinor = success.amountMinor();
            call.answeredTransactionId = success.transactionId();
            tally.acknowledged.increment();
            String expected = switch (call.kind) {
                case CAPTURE_HOLD -> "captured";
                case VOID_HOLD -> "voided";
                case PLACE_HOLD -> "pending";
                default -> null;
            };
            if (expected != null && !expected.equals(success.holdStatus())) {
                tally.violation("answer", call + ": the hold is " + success.holdStatus() + " (expected: " + expected + ")");
            }
            if (call.kind != Call.Kind.VOID_HOLD && success.amountMinor() != call.amountMinor) {
                tally.violation("answer", call + ": acknowledged " + success.amountMinor() + " minor units");
            }
        } else if (answer instanceof Transport.Refusal refusal) {
            call.status = Call.Status.REFUSED;
            call.refusalReason = refusal.reason();
            tally.refusedBy(refusal.reason());
            if (!EXPECTED_REFUSALS.contains(refusal.reason())) {
                tally.violation("answer", call + ": refused with " + refusal.reason() + " (" + refusal.message() + ")");
            }
        }
    }

    /** A progress line, stamped with the seconds since the run began. */
    private void log(String format, Object... arguments) {
        System.out.printf("bank run %6.1fs: %s%n", (System.nanoTime() - startedNanos) / 1e9, String.format(format, arguments));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitOperations(long target, List<Thread> clients) throws InterruptedException {
        if (target == Long.MAX_VALUE) {
            target = settings.operations();
        }
        long last = tally.attempted.get();
        long lastProgress = System.nanoTime();
        while (tally.attempted.get() < target && clients.stream().anyMatch(Thread::isAlive)) {
            Thread.sleep(20);
            long now = tally.attempted.get();
            if (System.nanoTime() - lastReport > PROGRESS_INTERVAL_NANOS) {
                lastReport = System.nanoTime();
                log("%d operations started, %d acknowledged, %d retries, %d given up", now, tally.acknowledged.sum(), tally.retries.sum(),
                        tally.gaveUp.sum());
            }
            if (now != last) {
                last = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > Settings.STALL_TIMEOUT_MS * 1_000_000) {
                throw new IllegalStateException("no call was started for " + Settings.STALL_TIMEOUT_MS + " ms at operation " + now);
            }
        }
    }

    private void kill(int number, long pauseMs) throws Exception {
        long at = tally.attempted.get();
        long t0 = System.nanoTime();
        service.kill();
        Thread.sleep(pauseMs);
        service.start();
        channel.resetConnectBackoff();
        tally.kills++;
        log("kill %d (SIGKILL at operation %d, down %d ms before restart), healthy again after %.1f s",
                number, at, pauseMs, (System.nanoTime() - t0) / 1e9);
    }

    private void restartPostgres(int number) throws Exception {
        long at = tally.attempted.get();
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder("sh", "-c", settings.postgresRestartCommand()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.runDirectory().resolve("postgres-restarts.log").toFile())).start();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("PostgreSQL restart command failed: " + settings.postgresRestartCommand()
                    + " (see " + settings.runDirectory().resolve("postgres-restarts.log") + "; -Dbankrun.postgresRestarts=0 runs without)");
        }
        // The service is not restarted: it must find its database again by itself.
        service.awaitHealthy();
        channel.resetConnectBackoff();
        tally.postgresRestarts++;
        log("PostgreSQL restart %d (at operation %d: %s), service healthy again after %.1f s",
                number, at, settings.postgresRestartCommand(), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Checks the books: the ledger's rules over the whole database, then every call answered before
     * the snapshot against it; at the end also each wallet against the calls' model and the API.
     */
    private void check(String where, boolean last) throws Exception {
        List<Call> answered = new ArrayList<>(finished);
        int before = tally.violationCount();
        Books.Snapshot books = checkWithRetry(where);
        for (Call call : answered) {
            checkCall(where, call, books);
        }
        if (last) {
            checkModel(where, books);
            checkThroughApi(where, books);
        }
        tally.checks++;
        log("checked %s: %d calls answered, %d violations", where, answered.size(), tally.violationCount() - before);
    }

    private Books.Snapshot checkWithRetry(String where) throws Exception {
        // Right after a PostgreSQL restart the first connection may still be refused; that is not a violation.
        for (int attempt = 1; ; attempt++) {
            try {
                return books.check(partnerId, what -> tally.violation(where, what));
            } catch (java.sql.SQLException e) {
                if (attempt == 10) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
    }

    private void checkCall(String where, Call call, Books.Snapshot books) {
        if (call.status == Call.Status.REFUSED) {
            Books.KeyRow key = books.keys().get(call.key);
            if (key == null || !call.refusalReason.equals(key.errorReason())) {
                tally.violation(where, call + ": refused, but the key records " + key);
            }
            if (books.transactionsByKey().containsKey(call.key) || books.holdsByKey().containsKey(call.key)) {
                tally.violation(where, call + ": refused, but the books show " + books.transactionsByKey().get(call.key) + " "
                        + books.holdsByKey().get(call.key));
            }
            return;
        }
        if (call.status != Call.Status.ACKNOWLEDGED) {
            return;
        }
        String problem = switch (call.kind) {
            case CREDIT, DEBIT, TRANSFER -> {
                Books.TransactionRow t = books.transactionsByKey().get(call.key);
                String type = call.kind.name().toLowerCase(java.util.Locale.ROOT);
                String from = call.kind == Call.Kind.CREDIT ? null : call.wallet.id();
                String to = switch (call.kind) {
                    case CREDIT -> call.wallet.id();
                    case TRANSFER -> call.targetWallet.id();
                    default -> null;
                };
                yield t != null && t.id().equals(call.answeredId) && t.amountMinor() == call.amountMinor && t.type().equals(type)
                        && "completed".equals(t.status()) && Objects.equals(t.fromWalletId(), from) && Objects.equals(t.toWalletId(), to)
                        ? null : "the books show " + t;
            }
            case PLACE_HOLD -> {
                Books.HoldRow h = books.holdsByKey().get(call.key);
                yield h != null && h.id().equals(call.answeredId) && h.amountMinor() == call.amountMinor && h.walletId().equals(call.wallet.id())
                        ? null : "the books show " + h;
            }
            case CAPTURE_HOLD -> {
                Books.HoldRow h = books.holdsById().get(call.holdId());
                Books.TransactionRow t = h == null || h.transactionId() == null ? null : books.transactionsById().get(h.transactionId());
                String type = call.targetWallet == null ? "debit" : "transfer";
                String to = call.targetWallet == null ? null : call.targetWallet.id();
                yield h != null && "captured".equals(h.status()) && Objects.equals(h.capturedMinor(), call.amountMinor)
                        && Objects.equals(h.transactionId(), call.answeredTransactionId) && Objects.equals(h.toWalletId(), to)
                        && t != null && call.holdId().equals(t.holdId()) && t.amountMinor() == call.amountMinor && t.type().equals(type)
                        && Objects.equals(t.toWalletId(), to) && call.wallet.id().equals(t.fromWalletId())
                        ? null : "the books show " + h + " " + t;
            }
            case VOID_HOLD -> {
                Books.HoldRow h = books.holdsById().get(call.holdId());
                yield h != null && "voided".equals(h.status()) ? null : "the books show " + h;
            }
        };
        if (problem != null) {
            tally.violation(where, call + " was acknowledged (" + call.answeredId + "), but " + problem);
        }
    }

    /**
     * Retries each call a client gave up on once more with its key, now that nothing is failing. It
     * was either fully in the books (the answer replays it) or fully out (the call now runs once).
     */
    private void settleGivenUp() throws Exception {
        if (givenUp.isEmpty()) {
            return;
        }
        Books.Snapshot before = checkWithRetry("before settling given-up calls");
        Random random = new Random(settings.seed() + 3);
        for (Call call : List.copyOf(givenUp)) {
            Books.TransactionRow transaction = before.transactionsByKey().get(call.key);
            Books.HoldRow placed = before.holdsByKey().get(call.key);
            Books.KeyRow key = before.keys().get(call.key);
            boolean in = transaction != null || placed != null || key != null;
            (in ? tally.givenUpFoundIn : tally.givenUpFoundOut).increment();
            call.status = Call.Status.OPEN;
            call.attempts = 0;
            execute(call, random);
            String where = "settling a given-up call";
            switch (call.status) {
                case ACKNOWLEDGED -> {
                    tally.settledByFinalRetry.increment();
                    String booked = transaction != null ? transaction.id() : placed != null ? placed.id() : null;
                    if (key != null && key.errorReason() != null) {
                        tally.violation(where, call + ": the key recorded " + key.errorReason() + " but the retry succeeded");
                    } else if (booked != null && !booked.equals(call.answeredId) && call.kind != Call.Kind.CAPTURE_HOLD) {
                        tally.violation(where, call + ": the books held " + booked + " but the retry answered " + call.answeredId);
                    }
                }
                case REFUSED -> {
                    tally.settledByFinalRetry.increment();
                    if (transaction != null || placed != null) {
                        tally.violation(where, call + ": booked before the retry (" + transaction + " " + placed + "), then refused");
                    }
                }
                default -> tally.violation(where, call + ": still unanswered after the load, with the service healthy");
            }
        }
    }

    /** Each wallet's balance and reservation follow from the acknowledged calls alone: nothing more, nothing less is booked. */
    private void checkModel(String where, Books.Snapshot books) {
        Map<String, long[]> expected = new HashMap<>();
        for (Call.Wallet wallet : allWallets) {
            expected.put(wallet.id(), new long[2]);
        }
        for (Call call : finished) {
            if (call.status != Call.Status.ACKNOWLEDGED) {
                continue;
            }
            long[] wallet = expected.get(call.wallet.id());
            switch (call.kind) {
                case CREDIT -> wallet[0] += call.amountMinor;
                case DEBIT -> wallet[0] -= call.amountMinor;
                case TRANSFER -> {
                    wallet[0] -= call.amountMinor;
                    expected.get(call.targetWallet.id())[0] += call.amountMinor;
                }
                case PLACE_HOLD -> wallet[1] += call.amountMinor;
                case CAPTURE_HOLD -> {
                    wallet[0] -= call.amountMinor;
                    wallet[1] -= call.hold.amountMinor;
                    if (call.targetWallet != null) {
                        expected.get(call.targetWallet.id())[0] += call.amountMinor;
                    }
                }
                case VOID_HOLD -> wallet[1] -= call.hold.amountMinor;
            }
        }
        for (Call.Wallet wallet : allWallets) {
            long[] model = expected.get(wallet.id());
            Books.WalletRow row = books.wallets().get(wallet.id());
            if (row == null || row.balanceMinor() != model[0] || row.heldMinor() != model[1]) {
                tally.violation(where, "wallet " + wallet.id() + ": the acknowledged calls make balance " + model[0] + " held " + model[1]
                        + ", the books show " + row);
            }
        }
    }

    /** Every wallet and a sample of the acknowledged transactions, read back over gRPC and REST, agree with the books. */
    private void checkThroughApi(String where, Books.Snapshot books) throws Exception {
        WalletServiceGrpc.WalletServiceBlockingStub wallets = Transport.withBearer(WalletServiceGrpc.newBlockingStub(channel), apiKey);
        LedgerServiceGrpc.LedgerServiceBlockingStub ledger = Transport.withBearer(LedgerServiceGrpc.newBlockingStub(channel), apiKey);
        for (Call.Wallet wallet : allWallets) {
            Books.WalletRow row = books.wallets().get(wallet.id());
            String balance;
            String available;
            if (wallet.index() % 2 == 0) {
                Wallet answer = wallets.withDeadlineAfter(30, TimeUnit.SECONDS).getWallet(GetWalletRequest.newBuilder().setId(wallet.id()).build());
                balance = answer.getBalance();
                available = answer.getAvailableBalance();
            } else {
                JsonObject answer = getJson("/api/v1/wallets/" + wallet.id());
                balance = answer.get("balance").getAsString();
                available = answer.get("availableBalance").getAsString();
            }
            if (row == null || wallet.parse(balance) != row.balanceMinor() || wallet.parse(available) != row.balanceMinor() - row.heldMinor()) {
                tally.violation(where, "wallet " + wallet.id() + ": the API answers balance " + balance + " available " + available
                        + ", the books show " + row);
            }
        }
        List<Call> acknowledged = new ArrayList<>();
        for (Call call : finished) {
            if (call.status == Call.Status.ACKNOWLEDGED && call.answeredTransactionId != null) {
                acknowledged.add(call);
            }
        }
        Collections.shuffle(acknowledged, new Random(settings.seed() + 4));
        for (Call call : acknowledged.subList(0, Math.min(API_SAMPLE_SIZE, acknowledged.size()))) {
            String amount;
            String status;
            if (call.rest) {
                JsonObject answer = getJson("/api/v1/transactions/" + call.answeredTransactionId);
                amount = answer.get("amount").getAsString();
                status = answer.get("status").getAsString();
            } else {
                Transaction answer = ledger.withDeadlineAfter(30, TimeUnit.SECONDS).getTransaction(GetTransactionRequest.newBuilder()
                        .setId(call.answeredTransactionId).build());
                amount = answer.getAmount();
                status = answer.getStatus().name();
            }
            if (call.wallet.parse(amount) != call.amountMinor || !"completed".equals(status)) {
                tally.violation(where, call + ": the API shows its transaction as " + status + " " + amount);
            }
        }
    }

    private JsonObject getJson(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + apiKey).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private void report(double loadSeconds, double totalSeconds) {
        long operations = settings.operations();
        System.out.println();
        System.out.printf("Bank run, seed %d (%s profile), %d clients over gRPC and REST, %d wallets in %s%n", settings.seed(), settings.profile(),
                settings.clients(), allWallets.size(), String.join(" and ", Settings.CURRENCIES));
        String row = "| %-52s | %14s |%n";
        System.out.printf(row, "what", "count");
        System.out.printf(row, "-".repeat(52), "-".repeat(14));
        System.out.printf(row, "operations attempted (after " + allWallets.size() + " funding credits)", operations);
        System.out.printf(row, "  over gRPC / over REST (incl. funding)", tally.grpcCalls.sum() + " / " + tally.restCalls.sum());
        System.out.printf(row, "acknowledged (incl. funding and the final retries)", tally.acknowledged.sum() - allWallets.size() + " + " + allWallets.size());
        System.out.printf(row, "refused by a business rule", tally.refused.sum());
        System.out.printf(row, "retries (attempts after the first)", tally.retries.sum());
        System.out.printf(row, "given up (after " + settings.maxAttempts() + " attempts)", tally.gaveUp.sum());
        System.out.printf(row, "  in the books before that retry / not at all", tally.givenUpFoundIn.sum() + " / " + tally.givenUpFoundOut.sum());
        System.out.printf(row, "  settled by one more retry after the load", tally.settledByFinalRetry.sum());
        System.out.printf(row, "kills survived (SIGKILL, restart)", tally.kills);
        System.out.printf(row, "PostgreSQL restarts (immediate)", tally.postgresRestarts);
        System.out.printf(row, "checks of the books", tally.checks);
        System.out.printf(row, "violations", tally.violationCount());
        System.out.printf("%nrefusals by reason: %s%n", Tally.sorted(tally.refusalReasons));
        System.out.printf("retries by cause: %s%n", Tally.sorted(tally.retryCauses));
        System.out.printf("load: %.0f s, %.0f operations/s; whole run %.0f s%n", loadSeconds, operations / loadSeconds, totalSeconds);
        System.out.println(tally.violationCount() == 0 ? "bank run: no violations" : "bank run: VIOLATIONS FOUND (seed " + settings.seed() + ")");
    }
}
