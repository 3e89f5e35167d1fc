package dev.payflow.core.ledger;

import dev.payflow.core.config.GroupCommitConfig;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Posting;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.persistence.Batch;
import dev.payflow.core.persistence.BulkPostings;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.UnusedClaims;
import dev.payflow.core.persistence.WalletRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * The one way money is booked. Every movement, whoever starts it, takes the same steps in one
 * database transaction:
 *
 * <ol>
 *   <li>claim the idempotency key, or answer as the request that first used it did;</li>
 *   <li>lock the hold the movement resolves (if any), then the wallets it names, in id order (the
 *       one order every writer uses, so no two movements deadlock);</li>
 *   <li>evaluate {@link LedgerRules#PRECEDENCE} in order, writing nothing; a broken rule is recorded
 *       on the key and answered, and nothing else happens;</li>
 *   <li>write the transaction, its entries, the wallets' new balances and reservations, the hold
 *       and the key's outcome in one round trip;</li>
 *   <li>read back what was written and check it against what was meant.</li>
 * </ol>
 *
 * <p>Any failure after the rules is a bug: it rolls back the whole transaction, key claim included,
 * and surfaces as INTERNAL. {@link #book} runs one movement in a transaction of its own;
 * {@link #bookWithin} runs it inside a caller's transaction, so that several movements can share
 * one commit (a worker's batch now, group commit later) without their callers changing.
 */
public final class LedgerEngine {
    private final Database database;
    private final Clock clock;
    private final Ids ids;
    private final WalletRepository wallets;
    private final LedgerRepository ledger;
    private final HoldRepository holds;
    private final IdempotencyRepository idempotency;
    private final SystemAccountRepository systemAccounts;
    private final BookingObserver observer;
    /** System account ids never change once committed, so each is looked up once per process. */
    private final Map<SystemAccountKey, String> systemAccountIds = new ConcurrentHashMap<>();
    /** Stateless: takes back the claims of members a {@link #bookEach} round put off. */
    private final UnusedClaims unusedClaims = new UnusedClaims();
    /** Null when group commit is off: every {@link #book} then runs in a transaction of its own. */
    private final GroupCommit groupCommit;

    public LedgerEngine(Database database, Clock clock, Ids ids, WalletRepository wallets, LedgerRepository ledger, HoldRepository holds,
            IdempotencyRepository idempotency, SystemAccountRepository systemAccounts) {
        this(database, clock, ids, wallets, ledger, holds, idempotency, systemAccounts, BookingObserver.NONE);
    }

    /** @param observer told of each booking inside its transaction (the partner events' outbox) */
    public LedgerEngine(Database database, Clock clock, Ids ids, WalletRepository wallets, LedgerRepository ledger, HoldRepository holds,
            IdempotencyRepository idempotency, SystemAccountRepository systemAccounts, BookingObserver observer) {
        this(database, clock, ids, wallets, ledger, holds, idempotency, systemAccounts, observer, GroupCommitConfig.OFF);
    }

    /**
     * @param observer    told of each booking inside its transaction (the partner events' outbox)
     * @param groupCommit whether (and how) concurrent {@link #book} calls share database transactions
     */
    public LedgerEngine(Database database, Clock clock, Ids ids, WalletRepository wallets, LedgerRepository ledger, HoldRepository holds,
            IdempotencyRepository idempotency, SystemAccountRepository systemAccounts, BookingObserver observer, GroupCommitConfig groupCommit) {
        this.observer = Objects.requireNonNull(observer, "observer");
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.wallets = Objects.requireNonNull(wallets, "wallets");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.holds = Objects.requireNonNull(holds, "holds");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.systemAccounts = Objects.requireNonNull(systemAccounts, "systemAccounts");
        this.groupCommit = Objects.requireNonNull(groupCommit, "groupCommit").enabled() ? new GroupCommit(groupCommit, this::commitTogether) : null;
    }

    /**
     * The result of a movement inside a transaction: what it booked, or the business rule it
     * broke (recorded on its key, so the transaction must still commit).
     */
    public record Outcome(Optional<Booking> booking, Optional<PayflowException> refusal, boolean replayed) {
        public Outcome {
            if (booking.isPresent() == refusal.isPresent()) {
                throw new IllegalArgumentException("an outcome is a booking or a refusal");
            }
        }

        /** What this movement did itself (not the answer of an earlier request with its key). */
        public Outcome(Optional<Booking> booking, Optional<PayflowException> refusal) {
            this(booking, refusal, false);
        }

        public Booking orThrow() {
            if (refusal.isPresent()) {
                throw refusal.get();
            }
            return booking.orElseThrow();
        }
    }

    /**
     * Books one movement, committed before it answers (or throws the rule it broke). With group
     * commit on, the transaction may be shared with other movements booked at the same moment; the
     * answer is the same as if it were the movement's own.
     */
    public Booking book(PartnerScope scope, Movement movement) {
        if (groupCommit != null) {
            Optional<Outcome> together = groupCommit.submit(scope, movement);
            if (together.isPresent()) {
                return together.get().orThrow();
            }
        }
        return bookAlone(scope, movement);
    }

    /**
     * Movements of one {@link #bookEach} call booked in one transaction at most. The same bound as
     * group commit's default batch, for the same reason: a chunk holds its wallets' locks until it
     * commits, and a hundred movements keep that to a few milliseconds on a quiet machine.
     */
    static final int EACH_CHUNK_SIZE_MAX = GroupCommitConfig.BATCH_SIZE_MAX_DEFAULT;

    /**
     * Rounds of a {@link #bookEach} chunk that lock with {@code SKIP LOCKED} before the rest of the
     * chunk waits for its locks. Each round is a short transaction that books what it could lock;
     * three rounds let members behind a busy wallet go once another call's chunk has committed
     * (a few milliseconds), without letting a wallet that stays busy (a long transaction elsewhere)
     * cost more than three empty round trips before the chunk waits for it as it always did.
     */
    static final int EACH_SKIPPING_ROUNDS_MAX = 3;

    /**
     * Books each movement as {@link #book} would, sharing transactions the way group commit's
     * batches do: chunks of {@link #EACH_CHUNK_SIZE_MAX}, one after another on the caller's thread.
     * Each movement is answered on its own; one's refusal never fails another, and a transaction
     * that fails as a whole (a database error, a lock or the duration bound timing out) is split
     * and its members booked alone, where only their own failure can fail them.
     *
     * <p>A chunk does not queue behind other transactions' wallet locks. It is booked in rounds,
     * each one transaction that claims the keys of the members still to book (sorted, as group
     * commit does, {@link #commitTogether}), then locks their wallets in id order with
     * {@code SKIP LOCKED}. A member goes ahead in its round only if it got every wallet it names
     * that exists, and no earlier member of the round that names one of its wallets was put off;
     * the others write nothing (their claims are taken back in the same transaction, so their keys
     * stay free) and go again in the next round. After {@link #EACH_SKIPPING_ROUNDS_MAX} rounds, or
     * once a round answered nobody, the rest take group commit's batch with the locks it waits for.
     * A replay needs no wallet and is answered in the first round.
     *
     * <p>Order: chunks go one after another, each finished (every member answered) before the next
     * begins; a member is booked against the books as every earlier member of the call that names
     * one of its wallets left them (the put-off rule above keeps that order within a chunk, and a
     * split chunk books alone in the order given). Members that share no wallet may be booked in
     * any order, which nobody can tell from their answers: a member's rules read only its own
     * wallets.
     *
     * <p>Not handed to group commit's lanes: a thousand movements of one call, queued at once, were
     * spread over every lane, whose batches then waited on each other for the same wallets until
     * the lock timeout and the duration bound failed them (seen with ten wallets shared by a
     * thousand transfers on a loaded machine). In chunks they take the fewest transactions without
     * ever waiting on themselves; concurrent calls still run side by side.
     *
     * @return per movement, in the order given, its outcome or the failure {@link #book} would have thrown
     */
    public List<Result> bookEach(PartnerScope scope, List<Movement> movements) {
        Objects.requireNonNull(scope, "scope");
        if (movements.stream().map(m -> m.key().value()).distinct().count() != movements.size()) {
            throw new IllegalArgumentException("bookEach takes movements of distinct keys (the caller answers a repeated key)");
        }
        List<Result> results = new ArrayList<>(movements.size());
        for (int from = 0; from < movements.size(); from += EACH_CHUNK_SIZE_MAX) {
            List<GroupCommit.Member> chunk = movements.subList(from, Math.min(movements.size(), from + EACH_CHUNK_SIZE_MAX)).stream()
                    .map(movement -> new GroupCommit.Member(scope, movement)).toList();
            results.addAll(bookChunk(chunk));
        }
        return results;
    }

    /** One chunk of {@link #bookEach}, in rounds until every member has its answer. */
    private List<Result> bookChunk(List<GroupCommit.Member> chunk) {
        Result[] results = new Result[chunk.size()];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < chunk.size(); i++) {
            pending.add(i);
        }
        boolean skipping = true;
        for (int round = 1; !pending.isEmpty(); round++) {
            boolean skipLocked = skipping && round <= EACH_SKIPPING_ROUNDS_MAX;
            Optional<Outcome[]> together = tryTogether(pending.stream().map(chunk::get).toList(), skipLocked);
            if (together.isEmpty()) {
                for (int i : pending) {
                    results[i] = alone(chunk.get(i));
                }
                break;
            }
            List<Integer> putOff = new ArrayList<>();
            for (int n = 0; n < pending.size(); n++) {
                Outcome outcome = together.get()[n];
                if (outcome == null) {
                    putOff.add(pending.get(n));
                } else {
                    results[pending.get(n)] = new Result(Optional.of(outcome), Optional.empty());
                }
            }
            if (!skipLocked && !putOff.isEmpty()) {
                throw new IllegalStateException("a round that waits for its locks put off " + putOff.size() + " members");
            }
            // A round that answered nobody would only repeat itself: the rest wait for their locks.
            skipping = putOff.size() < pending.size();
            pending = putOff;
        }
        return List.of(results);
    }

    /** A member of a chunk that failed as a whole, booked alone: its outcome, or the failure {@link #book} would have thrown. */
    private Result alone(GroupCommit.Member member) {
        try {
            return new Result(Optional.of(outcomeAlone(member.scope(), member.movement())), Optional.empty());
        } catch (RuntimeException failure) {
            return new Result(Optional.empty(), Optional.of(failure));
        }
    }

    /**
     * One round of a chunk in one transaction: per member its outcome, or null if it was put off
     * (only when {@code skipLocked}); empty if the round failed as a whole and nothing of it committed.
     */
    private Optional<Outcome[]> tryTogether(List<GroupCommit.Member> members, boolean skipLocked) {
        Map<SystemAccountKey, String> created = new HashMap<>();
        Outcome[] outcomes;
        try {
            outcomes = database.inTransaction(tx -> bookTogether(tx, members, created, skipLocked));
        } catch (RuntimeException failedAsAWhole) {
            return Optional.empty();
        }
        systemAccountIds.putAll(created);
        return Optional.of(outcomes);
    }

    /** One movement of {@link #bookEach}: its outcome, or what went wrong before it had one (a key in use, a database error). */
    public record Result(Optional<Outcome> outcome, Optional<RuntimeException> failure) {
        public Result {
            if (outcome.isPresent() == failure.isPresent()) {
                throw new IllegalArgumentException("a result is an outcome or a failure");
            }
        }
    }

    /**
     * Books every movement inside the caller's transaction, in the order given, each against the
     * books as the ones before it left them: all keys first, claimed once each in one sorted order,
     * then every wallet of every movement locked in id order in one statement, then each movement's
     * rules and writes. So two such calls, or one and any group-commit batch, cannot deadlock. A key
     * repeated in the list is claimed for its first movement; the later ones answer as its replay,
     * or IDEMPOTENCY_KEY_REUSED if their parameters differ. A refusal is that movement's outcome
     * (recorded on its key); the caller that wants all or none rolls back if any movement has one.
     *
     * @throws PayflowException IDEMPOTENCY_KEY_IN_USE if a key is held by a request still running,
     *     SERVICE_UNAVAILABLE if the whole took longer than a movement may; the caller's transaction
     *     must then roll back
     */
    public List<Outcome> bookAllWithin(DSLContext tx, PartnerScope scope, List<Movement> movements) {
        Objects.requireNonNull(scope, "scope");
        List<GroupCommit.Member> members = movements.stream().map(movement -> new GroupCommit.Member(scope, movement)).toList();
        try {
            // System accounts this creates are not cached: the caller's transaction may still roll back.
            return List.of(bookTogether(tx, members, new HashMap<>(), false));
        } catch (BatchTooSlow tooSlow) {
            throw tooSlow.answer;
        }
    }

    /** One movement in a transaction of its own, answered as an outcome; throws what is not one (a key in use, a database error). */
    private Outcome outcomeAlone(PartnerScope scope, Movement movement) {
        Map<SystemAccountKey, String> created = new HashMap<>();
        Outcome outcome = database.inTransaction(tx -> attempt(tx, scope, movement, created));
        systemAccountIds.putAll(created);
        return outcome;
    }

    /** Books one movement in a database transaction of its own. */
    private Booking bookAlone(PartnerScope scope, Movement movement) {
        Map<SystemAccountKey, String> created = new HashMap<>();
        Outcome outcome = database.inTransaction(tx -> attempt(tx, scope, movement, created));
        // Only now that the transaction has committed are the accounts it created sure to exist.
        systemAccountIds.putAll(created);
        return outcome.orThrow();
    }

    /**
     * Books one movement inside the caller's transaction. The caller commits the outcome either
     * way: a refusal is recorded on the movement's key.
     */
    public Outcome bookWithin(DSLContext tx, PartnerScope scope, Movement movement) {
        // System accounts this creates are not cached: the caller's transaction may still roll back.
        return attempt(tx, scope, movement, new HashMap<>());
    }

    private Outcome attempt(DSLContext tx, PartnerScope scope, Movement movement, Map<SystemAccountKey, String> created) {
        Optional<Outcome> earlier = claimOrReplay(tx, scope, movement);
        if (earlier.isPresent()) {
            observer.replayed(scope, movement);
            return earlier.get();
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Outcome outcome = afterClaim(tx, scope, movement, created, now);
        if (outcome.booking().isPresent()) {
            requireWithinDuration(now);
        }
        return outcome;
    }

    /** A key as it is claimed: in one order across partners, modes and keys, the order every batch claims in. */
    private record ClaimedKey(String partnerId, boolean livemode, String key) implements Comparable<ClaimedKey> {
        static ClaimedKey of(GroupCommit.Member member) {
            return new ClaimedKey(member.scope().partnerId(), member.scope().livemode(), member.movement().key().value());
        }

        @Override
        public int compareTo(ClaimedKey other) {
            int byPartner = partnerId.compareTo(other.partnerId);
            if (byPartner != 0) {
                return byPartner;
            }
            int byMode = Boolean.compare(livemode, other.livemode);
            return byMode != 0 ? byMode : key.compareTo(other.key);
        }
    }

    /**
     * Books a batch of movements in one transaction, each answered as if it had been alone. The
     * order of locks is the single-movement order applied to the batch as a whole: every key, in
     * {@link ClaimedKey} order; then every hold, in id order; then every wallet, in id order. So a
     * batch cannot deadlock with another batch nor with a movement booked alone, on this replica or
     * another. Then each member in turn takes the rest of the single-movement steps against the
     * books as the members before it left them. A member's rule refusal is its own answer (recorded
     * on its key); a key reused or in use is its own answer too (it wrote nothing); anything else
     * throws, and the batch rolls back whole, for the caller to split.
     *
     * <p>A key repeated inside the batch is claimed once, for its first member; the others then
     * find the first one's record, in this same transaction, and answer as a replay of it (or as
     * IDEMPOTENCY_KEY_REUSED if their parameters differ): one transaction, answered twice.
     */
    private List<Outcome> commitTogether(List<GroupCommit.Member> members) {
        Map<SystemAccountKey, String> created = new HashMap<>();
        List<Outcome> outcomes;
        try {
            outcomes = database.inTransaction(tx -> List.of(bookTogether(tx, members, created, false)));
        } catch (BatchTooSlow tooSlow) {
            // Every member was stamped when the batch began, so each outlasted the bound as a lone movement would have: each answers so.
            return members.stream().map(member -> new Outcome(Optional.empty(), Optional.of(tooSlow.answer))).toList();
        }
        systemAccountIds.putAll(created);
        return outcomes;
    }

    /** The bound of {@link #requireWithinDuration} broken by a whole batch, which has rolled back. */
    private static final class BatchTooSlow extends RuntimeException {
        final PayflowException answer;

        BatchTooSlow(PayflowException answer) {
            super(answer.getMessage(), null, false, false);
            this.answer = answer;
        }
    }

    /**
     * For the rest of the transaction, PostgreSQL runs each prepared statement on its one cached
     * (generic) plan instead of planning it again for every call. A batch's statements bind one
     * array per column ({@code unnest}, {@code = ANY}), and for those PostgreSQL's default choice
     * kept planning anew on every execution: measured with {@code pg_stat_statements}, the batch's
     * write statement was planned on 1,264 of 1,261 calls, about 0.5 ms of database CPU each. Their
     * generic plans are the ones wanted (index look-ups per array element). Not set for the whole
     * connection: elsewhere a literal can matter to the plan (a partial index on a status, say).
     */
    private static void usePreparedPlans(DSLContext tx) {
        tx.execute("SET LOCAL plan_cache_mode = force_generic_plan");
    }

    /**
     * The batch of {@link #commitTogether} in the caller's transaction. With {@code skipLocked}
     * (the rounds of {@link #bookEach}, whose keys are distinct), the wallets are locked with
     * {@code SKIP LOCKED} and a member that cannot go without waiting is put off: its answer is
     * null, it wrote nothing, and its key's claim is taken back before this returns.
     */
    private Outcome[] bookTogether(DSLContext tx, List<GroupCommit.Member> members, Map<SystemAccountKey, String> created,
            boolean skipLocked) {
        // One stamp for the whole batch, taken before its first lock: the duration bound then covers every wait of every member.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (skipLocked && members.stream().map(ClaimedKey::of).distinct().count() != members.size()) {
            // A repeat answers as its first member's replay, which a put-off first member would not have.
            throw new IllegalArgumentException("a batch that skips locked wallets takes members of distinct keys");
        }
        usePreparedPlans(tx);
        Map<ClaimedKey, IdempotencyRepository.Claim> claims = claimInOrder(tx, members);
        boolean[] putOff = new boolean[members.size()];
        Together together;
        if (skipLocked) {
            SkippingRound round = lockInOrderSkippingLocked(tx, members, claims);
            together = new Together(round.locked(), members.size(), now);
            System.arraycopy(round.putOff(), 0, putOff, 0, putOff.length);
        } else {
            together = new Together(lockInOrder(tx, members), members.size(), now);
        }
        Outcome[] answers = together.answers;
        java.util.Set<ClaimedKey> booked = new java.util.HashSet<>();
        List<UnusedClaims.Claimed> unused = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            GroupCommit.Member member = members.get(i);
            ClaimedKey key = ClaimedKey.of(member);
            if (putOff[i]) {
                // Claimed by this transaction (a replay is never put off) and to be taken back: it writes nothing here.
                unused.add(new UnusedClaims.Claimed(member.scope(), key.key()));
                continue;
            }
            if (claims.get(key) == IdempotencyRepository.Claim.CLAIMED && booked.add(key)) {
                if (member.movement().instruction() instanceof Instruction.Post) {
                    int index = i;
                    stagePost(tx, member, created, now, together, i).ifPresent(refusal -> answers[index] = refusal);
                } else {
                    // A hold's movement takes the steps of a movement alone, against the books as written so far.
                    flush(tx, together);
                    answers[i] = afterClaim(tx, member.scope(), member.movement(), created, now);
                    together.forget(member.scope());
                }
            } else {
                // A replay may read what an earlier member of this batch wrote: write it first.
                flush(tx, together);
                answers[i] = answerAsEarlierOrRefuse(tx, member.scope(), member.movement());
            }
        }
        flush(tx, together);
        unusedClaims.remove(tx, unused);
        for (int i = 0; i < members.size(); i++) {
            if ((answers[i] == null) != putOff[i]) {
                throw new IllegalStateException("member " + i + " of a batch " + (putOff[i] ? "was put off and answered" : "has no answer"));
            }
        }
        if (Arrays.stream(answers).anyMatch(answer -> answer != null && answer.booking().isPresent())) {
            try {
                requireWithinDuration(now);
            } catch (PayflowException tooSlow) {
                throw new BatchTooSlow(tooSlow);
            }
        }
        return answers;
    }

    /**
     * What a batch knows between its writes: the wallets it locked, as its members have changed
     * them so far (every member's writes go to the database together, in one round trip, guarded
     * by the values read here, see {@link BulkPostings}), the members staged
     * but not yet written, and each member's answer once it has one.
     */
    private static final class Together {
        private final Instant now;
        private final Map<PartnerScope, Map<String, Wallet>> wallets;
        /** Per wallet changed since the last flush, its row as the database still holds it. */
        private final Map<String, Wallet> unwritten = new TreeMap<>();
        private BulkPostings postings;
        private final List<Staged> staged = new ArrayList<>();
        final Outcome[] answers;

        Together(Map<PartnerScope, Map<String, Wallet>> locked, int members, Instant now) {
            this.now = now;
            this.postings = new BulkPostings(now);
            this.answers = new Outcome[members];
            this.wallets = new HashMap<>();
            locked.forEach((scope, byId) -> wallets.put(scope, new HashMap<>(byId)));
        }

        /** The wallets as the batch left them, or empty if one of them is not known here (then read it from the database). */
        Optional<Map<String, Wallet>> known(PartnerScope scope, List<String> ids) {
            Map<String, Wallet> byId = wallets.get(scope);
            Map<String, Wallet> found = new HashMap<>();
            for (String id : ids) {
                Wallet wallet = byId == null ? null : byId.get(id);
                if (wallet == null) {
                    return Optional.empty();
                }
                found.put(id, wallet);
            }
            return Optional.of(found);
        }

        void remember(PartnerScope scope, Wallet wallet) {
            wallets.computeIfAbsent(scope, s -> new HashMap<>()).put(wallet.id(), wallet);
        }

        void forget(PartnerScope scope) {
            wallets.remove(scope);
        }

        void changed(PartnerScope scope, Wallet before, Wallet after) {
            unwritten.putIfAbsent(before.id(), before);
            remember(scope, after);
        }

        /** Each changed wallet once: guarded by its row as written, set to its state now. */
        List<BulkPostings.WalletUpdate> walletUpdates() {
            List<BulkPostings.WalletUpdate> updates = new ArrayList<>();
            for (Wallet was : unwritten.values()) {
                Wallet is = wallets.get(was.scope()).get(was.id());
                updates.add(new BulkPostings.WalletUpdate(was.id(), was.scope(), was.balanceMinor(), was.heldMinor(), was.lastEntrySequence(),
                        is.balanceMinor(), is.heldMinor(), is.lastEntrySequence()));
            }
            return updates;
        }

        void written() {
            staged.clear();
            unwritten.clear();
            postings = new BulkPostings(now);
        }
    }

    /** A member whose writes are in the batch's round trip, to be read back and told to the observer once written. */
    private record Staged(int index, GroupCommit.Member member, String transactionId, Map<String, WalletChange> changes,
            Map<String, Wallet> walletsBefore) {
    }

    /**
     * A movement of money between accounts ({@link Instruction.Post}) inside a batch: its rules
     * against the batch's wallets, and its writes staged for the batch's round trip. Empty when it
     * is staged (its answer comes with {@link #flush}), else its refusal.
     */
    private Optional<Outcome> stagePost(DSLContext tx, GroupCommit.Member member, Map<SystemAccountKey, String> created, Instant now,
            Together together, int index) {
        PartnerScope scope = member.scope();
        Movement movement = member.movement();
        Instruction.Post post = (Instruction.Post) movement.instruction();
        List<String> walletIds = new ArrayList<>();
        walletIdOf(post.from()).ifPresent(walletIds::add);
        walletIdOf(post.to()).ifPresent(walletIds::add);
        Optional<Map<String, Wallet>> known = together.known(scope, walletIds);
        Map<String, Wallet> before;
        if (known.isPresent()) {
            before = known.get();
        } else {
            flush(tx, together);
            before = walletIds.isEmpty() ? Map.of() : wallets.lockInIdOrder(tx, scope, new TreeSet<>(walletIds)).stream()
                    .collect(Collectors.toMap(Wallet::id, w -> w));
            before.values().forEach(w -> together.remember(scope, w));
        }
        Locked locked = new Locked(Optional.empty(), List.copyOf(walletIds), before);
        RuleContext context = ruleContext(post, locked, now);
        Optional<PayflowException> broken = LedgerRules.firstBroken(context);
        if (broken.isPresent()) {
            idempotency.recordError(tx, scope, movement.key().value(), broken.get().reason().name(), broken.get().getMessage());
            return Optional.of(new Outcome(Optional.empty(), broken));
        }
        Plan plan = plan(scope, movement, locked, context, now);
        Map<String, WalletChange> changes = new TreeMap<>();
        before.values().forEach(w -> changes.put(w.id(), new WalletChange(w)));
        Posted posted = post(tx, scope, movement, plan, changes, now, created);
        for (WalletChange change : changes.values()) {
            requireWalletStaysSound(change);
            if (change.changed()) {
                together.changed(scope, change.before, change.after(now));
            }
        }
        together.postings.add(posted.transaction(), posted.entries());
        together.staged.add(new Staged(index, member, posted.transaction().id(), changes, before));
        return Optional.empty();
    }

    /**
     * Writes what the batch has staged in one round trip (which answers with the rows as stored),
     * checks them against what each member meant, answers each staged member, and tells the
     * observer of them all at once.
     */
    private void flush(DSLContext tx, Together together) {
        if (together.staged.isEmpty()) {
            return;
        }
        // The write answers with the rows as stored: each is checked against what was meant, as a read-back would be.
        Map<String, LedgerTransaction> written = together.postings.execute(tx, together.walletUpdates());
        List<BookingObserver.Booked> bookings = new ArrayList<>();
        for (Staged staged : together.staged) {
            LedgerTransaction t = written.get(staged.transactionId());
            if (t == null || !t.scope().equals(staged.member().scope())) {
                throw new IllegalStateException("transaction " + staged.transactionId() + " does not read back as written");
            }
            requireEntriesFollowWallets(t, staged.changes());
            Booking booking = new Booking(Optional.of(t), Optional.empty());
            bookings.add(new BookingObserver.Booked(staged.member().scope(), staged.member().movement(), booking, staged.walletsBefore()));
            together.answers[staged.index()] = new Outcome(Optional.of(booking), Optional.empty());
        }
        // In the same transaction as the money, so the events that announce it commit with it or not at all.
        observer.bookedAll(tx, bookings);
        together.written();
    }

    /** Claims each distinct key once, for its first member, in {@link ClaimedKey} order, in one statement. A key still busy elsewhere fails the batch. */
    private Map<ClaimedKey, IdempotencyRepository.Claim> claimInOrder(DSLContext tx, List<GroupCommit.Member> members) {
        TreeMap<ClaimedKey, GroupCommit.Member> firsts = new TreeMap<>();
        members.forEach(member -> firsts.putIfAbsent(ClaimedKey.of(member), member));
        List<ClaimedKey> keys = new ArrayList<>(firsts.keySet());
        List<IdempotencyRepository.ClaimRequest> requests = keys.stream().map(key -> {
            Movement first = firsts.get(key).movement();
            return new IdempotencyRepository.ClaimRequest(firsts.get(key).scope(), key.key(), first.operation(), first.fingerprint());
        }).toList();
        List<IdempotencyRepository.Claim> answered = idempotency.claimAll(tx, requests, clock.instant().truncatedTo(ChronoUnit.MICROS));
        Map<ClaimedKey, IdempotencyRepository.Claim> claims = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            if (answered.get(i) == IdempotencyRepository.Claim.BUSY) {
                // The lock timeout has aborted this transaction; alone, the member answers IDEMPOTENCY_KEY_IN_USE as it always did.
                throw keyInUse();
            }
            claims.put(keys.get(i), answered.get(i));
        }
        return claims;
    }

    /**
     * Locks the batch's holds in id order, then the wallets of all its members (the holds' among
     * them) in id order; returns the wallets as locked, per scope.
     */
    private Map<PartnerScope, Map<String, Wallet>> lockInOrder(DSLContext tx, List<GroupCommit.Member> members) {
        Named named = lockHoldsAndName(tx, members);
        if (named.byScope().values().stream().anyMatch(ids -> !ids.isEmpty())) {
            return wallets.lockAllInIdOrder(tx, named.byScope());
        }
        return Map.of();
    }

    /** The wallets a round locked, and which of its members it put off. */
    private record SkippingRound(Map<PartnerScope, Map<String, Wallet>> locked, boolean[] putOff) {
    }

    /**
     * The lock order of {@link #lockInOrder} (holds, waiting for them, then wallets in id order),
     * for the members that claimed their key, but wallets another transaction holds are skipped,
     * not waited for. A member is put off if one of its wallets was skipped, or if an earlier member
     * put off names one of its wallets (so members that share a wallet keep the order given). A
     * wallet that does not exist is not skipped: the rules answer WALLET_NOT_FOUND for it.
     */
    private SkippingRound lockInOrderSkippingLocked(DSLContext tx, List<GroupCommit.Member> members,
            Map<ClaimedKey, IdempotencyRepository.Claim> claims) {
        List<Integer> claimed = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if (claims.get(ClaimedKey.of(members.get(i))) == IdempotencyRepository.Claim.CLAIMED) {
                claimed.add(i);
            }
        }
        Named named = lockHoldsAndName(tx, claimed.stream().map(members::get).toList());
        WalletRepository.SkippingLock lock = named.byScope().values().stream().anyMatch(ids -> !ids.isEmpty())
                ? wallets.lockAllInIdOrderSkippingLocked(tx, named.byScope())
                : new WalletRepository.SkippingLock(Map.of(), Map.of());
        boolean[] putOff = new boolean[members.size()];
        // Per scope, the wallets of members put off so far: a later member that names one of them waits its turn.
        Map<PartnerScope, java.util.Set<String>> behind = new HashMap<>();
        for (int n = 0; n < claimed.size(); n++) {
            int i = claimed.get(n);
            PartnerScope scope = members.get(i).scope();
            java.util.Set<String> names = named.perMember().get(n);
            java.util.Set<String> behindInScope = behind.computeIfAbsent(scope, s -> new HashSet<>());
            if (names.stream().anyMatch(id -> lock.isLockedElsewhere(scope, id) || behindInScope.contains(id))) {
                putOff[i] = true;
                behindInScope.addAll(names);
            }
        }
        return new SkippingRound(lock.locked(), putOff);
    }

    /** The wallets of a batch, per scope, and of each member in the order given (a hold's wallet once its hold is found). */
    private record Named(Map<PartnerScope, java.util.Set<String>> byScope, List<java.util.Set<String>> perMember) {
    }

    /** Locks the members' holds in id order and names the wallets each member touches. */
    private Named lockHoldsAndName(DSLContext tx, List<GroupCommit.Member> members) {
        TreeMap<String, PartnerScope> holdIds = new TreeMap<>();
        Map<PartnerScope, java.util.Set<String>> walletIds = new HashMap<>();
        List<java.util.Set<String>> perMember = new ArrayList<>();
        for (GroupCommit.Member member : members) {
            holdIdOf(member.movement().instruction()).ifPresent(id -> holdIds.put(id, member.scope()));
            java.util.Set<String> names = new TreeSet<>();
            Instruction instruction = member.movement().instruction();
            if (instruction instanceof Instruction.Post post) {
                walletIdOf(post.from()).ifPresent(names::add);
                walletIdOf(post.to()).ifPresent(names::add);
            } else if (instruction instanceof Instruction.PlaceHold place) {
                names.add(place.walletId());
            } else if (instruction instanceof Instruction.CaptureHold capture) {
                capture.toWalletId().ifPresent(names::add);
            }
            walletIds.computeIfAbsent(member.scope(), s -> new TreeSet<>()).addAll(names);
            perMember.add(names);
        }
        Map<String, String> holdWallets = new HashMap<>();
        holdIds.forEach((holdId, scope) -> holds.findForUpdate(tx, scope, holdId).ifPresent(hold -> {
            walletIds.get(scope).add(hold.walletId());
            holdWallets.put(holdId, hold.walletId());
        }));
        for (int i = 0; i < members.size(); i++) {
            holdIdOf(members.get(i).movement().instruction()).map(holdWallets::get).ifPresent(perMember.get(i)::add);
        }
        return new Named(walletIds, perMember);
    }

    /** A member whose key was used before (or by an earlier member of its batch): its earlier answer, or its own refusal. */
    private Outcome answerAsEarlierOrRefuse(DSLContext tx, PartnerScope scope, Movement movement) {
        try {
            Outcome earlier = answerAsEarlier(tx, scope, movement);
            observer.replayed(scope, movement);
            return earlier;
        } catch (PayflowException refused) {
            return new Outcome(Optional.empty(), Optional.of(refused));
        }
    }

    /** The steps after the key is claimed: lock, rules, write, read back, tell the observer. */
    private Outcome afterClaim(DSLContext tx, PartnerScope scope, Movement movement, Map<SystemAccountKey, String> created, Instant now) {
        Locked locked = lock(tx, scope, movement.instruction());
        RuleContext context = ruleContext(movement.instruction(), locked, now);
        Optional<PayflowException> broken = LedgerRules.firstBroken(context);
        if (broken.isPresent()) {
            // A broken rule leaves the key's claim and its error, and nothing else.
            idempotency.recordError(tx, scope, movement.key().value(), broken.get().reason().name(), broken.get().getMessage());
            return new Outcome(Optional.empty(), broken);
        }
        Booking booking = write(tx, scope, movement, locked, context, now, created);
        // In the same transaction as the money, so the events that announce it commit with it or not at all.
        observer.booked(tx, scope, movement, booking, locked.wallets());
        return new Outcome(Optional.of(booking), Optional.empty());
    }

    /**
     * The bound that makes past balances final: a movement whose entries were stamped longer ago
     * than {@link Limits#MOVEMENT_DURATION_MAX} does not commit, so no entry can appear later with
     * a stamp older than that (see {@link Limits#BALANCE_SETTLED_AFTER}).
     */
    private void requireWithinDuration(Instant stampedAt) {
        Duration took = Duration.between(stampedAt, clock.instant());
        if (took.compareTo(Limits.MOVEMENT_DURATION_MAX) > 0) {
            throw PayflowException.of(ErrorReason.SERVICE_UNAVAILABLE,
                    "the movement took %d ms, longer than the %d s allowed, and was rolled back; retry with the same idempotency key",
                    took.toMillis(), Limits.MOVEMENT_DURATION_MAX.toSeconds());
        }
    }

    /** Claims the key, or answers as the request that first used it did. */
    private Optional<Outcome> claimOrReplay(DSLContext tx, PartnerScope scope, Movement movement) {
        String key = movement.key().value();
        IdempotencyRepository.Claim claim = idempotency.claim(tx, scope, key, movement.operation(), movement.fingerprint(),
                clock.instant().truncatedTo(ChronoUnit.MICROS));
        if (claim == IdempotencyRepository.Claim.CLAIMED) {
            return Optional.empty();
        }
        if (claim == IdempotencyRepository.Claim.BUSY) {
            throw keyInUse();
        }
        return Optional.of(answerAsEarlier(tx, scope, movement));
    }

    /** The answer of the request that first used this movement's key, or the reason this movement cannot have it. */
    private Outcome answerAsEarlier(DSLContext tx, PartnerScope scope, Movement movement) {
        String key = movement.key().value();
        IdempotencyRepository.Record earlier = idempotency.find(tx, scope, key).orElseThrow(
                () -> new IllegalStateException("idempotency key " + key + " neither claimed nor found"));
        if (!earlier.operation().equals(movement.operation()) || !earlier.fingerprint().equals(movement.fingerprint())) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED,
                    "this idempotency key was already used for a different request (%s with other parameters)", earlier.operation());
        }
        if (earlier.errorReason().isPresent()) {
            return new Outcome(Optional.empty(), Optional.of(
                    new PayflowException(ErrorReason.valueOf(earlier.errorReason().get()), earlier.errorMessage().orElse(""))), true);
        }
        if (earlier.transactionId().isEmpty() && earlier.holdId().isEmpty()) {
            throw keyInUse();
        }
        Optional<LedgerTransaction> transaction = earlier.transactionId().map(id -> ledger.findTransaction(tx, scope, id).orElseThrow());
        Optional<Hold> hold = earlier.holdId().map(id -> holds.find(tx, scope, id).orElseThrow());
        return new Outcome(Optional.of(new Booking(transaction, hold)), Optional.empty(), true);
    }

    private static PayflowException keyInUse() {
        return PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_IN_USE,
                "a request with this idempotency key is still being processed; retry with the same key");
    }

    /** The hold (locked first) and the wallets (then, in id order) a movement touches. */
    private record Locked(Optional<Hold> hold, List<String> walletIds, Map<String, Wallet> wallets) {
    }

    private Locked lock(DSLContext tx, PartnerScope scope, Instruction instruction) {
        Optional<Hold> hold = holdIdOf(instruction).flatMap(id -> holds.findForUpdate(tx, scope, id));
        List<String> walletIds = new ArrayList<>();
        if (instruction instanceof Instruction.Post post) {
            walletIdOf(post.from()).ifPresent(walletIds::add);
            walletIdOf(post.to()).ifPresent(walletIds::add);
        } else if (instruction instanceof Instruction.PlaceHold place) {
            walletIds.add(place.walletId());
        } else if (instruction instanceof Instruction.CaptureHold capture) {
            hold.ifPresent(h -> walletIds.add(h.walletId()));
            capture.toWalletId().ifPresent(walletIds::add);
        } else if (instruction instanceof Instruction.ReleaseHold) {
            hold.ifPresent(h -> walletIds.add(h.walletId()));
        }
        Map<String, Wallet> locked = walletIds.isEmpty() ? Map.of()
                : wallets.lockInIdOrder(tx, scope, new TreeSet<>(walletIds)).stream().collect(Collectors.toMap(Wallet::id, w -> w));
        return new Locked(hold, List.copyOf(walletIds), locked);
    }

    private static Optional<String> holdIdOf(Instruction instruction) {
        if (instruction instanceof Instruction.CaptureHold capture) {
            return Optional.of(capture.holdId());
        }
        if (instruction instanceof Instruction.ReleaseHold release) {
            return Optional.of(release.holdId());
        }
        return Optional.empty();
    }

    private static RuleContext ruleContext(Instruction instruction, Locked locked, Instant now) {
        if (instruction instanceof Instruction.Post post) {
            return new RuleContext(post.kind(), locked.walletIds(), locked.wallets(), post.amount().currency(), post.amount().minorUnits(),
                    walletIdOf(post.from()), walletIdOf(post.to()), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), now);
        }
        if (instruction instanceof Instruction.PlaceHold place) {
            return new RuleContext(place.kind(), locked.walletIds(), locked.wallets(), place.amount().currency(), place.amount().minorUnits(),
                    Optional.of(place.walletId()), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), now);
        }
        // A capture or release: the hold's own terms decide currency and amount; without a hold, the first rule refuses.
        CurrencyUnit currency = locked.hold().map(h -> h.amount().currency()).orElse(null);
        long held = locked.hold().map(h -> h.amount().minorUnits()).orElse(0L);
        if (instruction instanceof Instruction.CaptureHold capture) {
            return new RuleContext(capture.kind(), locked.walletIds(), locked.wallets(), currency, capture.amountMinor().orElse(held),
                    locked.hold().map(Hold::walletId), capture.toWalletId(), Optional.of(capture.holdId()), locked.hold(), capture.amountMinor(),
                    capture.toWalletId(), now);
        }
        Instruction.ReleaseHold release = (Instruction.ReleaseHold) instruction;
        return new RuleContext(release.kind(), List.of(), locked.wallets(), currency, held, Optional.empty(), Optional.empty(),
                Optional.of(release.holdId()), locked.hold(), Optional.empty(), Optional.empty(), now);
    }

    /** What one wallet's row becomes: its balance (through its entries) and its reservation. */
    private static final class WalletChange {
        final Wallet before;
        long balanceMinor;
        long heldMinor;
        long lastEntrySequence;

        WalletChange(Wallet before) {
            this.before = before;
            this.balanceMinor = before.balanceMinor();
            this.heldMinor = before.heldMinor();
            this.lastEntrySequence = before.lastEntrySequence();
        }

        boolean changed() {
            return balanceMinor != before.balanceMinor() || heldMinor != before.heldMinor();
        }

        /** The wallet's row as this change writes it (see {@link WalletRepository#setBalances}). */
        Wallet after(Instant now) {
            if (!changed()) {
                return before;
            }
            return new Wallet(before.id(), before.scope(), before.externalUserId(), before.externalWalletId(), before.name(), before.currency(),
                    before.status(), before.metadataJson(), balanceMinor, heldMinor, lastEntrySequence, before.createdAt(), now);
        }
    }

    /** The transaction a movement books, before it is written. */
    private record TransactionDraft(TransactionType type, Money amount, LedgerAccount from, LedgerAccount to, String description,
            String metadataJson, String gateway, Instruction.GatewayReference gatewayReference, Optional<String> holdId) {
    }

    /**
     * What a movement writes, decided before anything is: the transaction it books (with its id),
     * the hold it places or resolves, and each wallet's change of reservation.
     */
    private record Plan(Optional<String> transactionId, Optional<TransactionDraft> transaction, Optional<Hold> placedHold,
            Optional<Hold> resolvedHold, Map<String, Long> heldDeltaMinor) {
        Optional<Hold> hold() {
            return placedHold.or(() -> resolvedHold);
        }
    }

    private Plan plan(PartnerScope scope, Movement movement, Locked locked, RuleContext context, Instant now) {
        Instruction instruction = movement.instruction();
        if (instruction instanceof Instruction.Post post) {
            return new Plan(Optional.of(ids.next(IdPrefix.TRANSACTION)), Optional.of(new TransactionDraft(post.type(), post.amount(),
                    post.from(), post.to(), post.description(), post.metadataJson(), post.gateway(), post.gatewayReference(),
                    Optional.empty())), Optional.empty(), Optional.empty(), Map.of());
        }
        if (instruction instanceof Instruction.PlaceHold place) {
            Hold hold = new Hold(ids.next(IdPrefix.HOLD), scope, place.walletId(), place.amount(), HoldStatus.PENDING, place.description(),
                    movement.key().value(), place.metadataJson(), place.expiresAt(), now, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty());
            return new Plan(Optional.empty(), Optional.empty(), Optional.of(hold), Optional.empty(),
                    Map.of(place.walletId(), place.amount().minorUnits()));
        }
        Hold hold = locked.hold().orElseThrow();
        // Either way the whole reservation goes: what a capture does not take is released.
        Map<String, Long> released = Map.of(hold.walletId(), -hold.amount().minorUnits());
        if (instruction instanceof Instruction.CaptureHold capture) {
            Money captured = new Money(context.amountMinor(), hold.amount().currency());
            String transactionId = ids.next(IdPrefix.TRANSACTION);
            LedgerAccount to = capture.toWalletId().<LedgerAccount>map(LedgerAccount.Wallet::new)
                    .orElse(LedgerAccount.System.of(SystemAccountKind.SETTLEMENT));
            TransactionDraft draft = new TransactionDraft(capture.toWalletId().isPresent() ? TransactionType.TRANSFER : TransactionType.DEBIT,
                    captured, new LedgerAccount.Wallet(hold.walletId()), to, capture.description().orElse(hold.description()),
                    capture.metadataJson(), "", Instruction.GatewayReference.NONE, Optional.of(hold.id()));
            return new Plan(Optional.of(transactionId), Optional.of(draft), Optional.empty(), Optional.of(resolve(hold, HoldStatus.CAPTURED, now,
                    Optional.of(captured), Optional.of(transactionId), capture.toWalletId())), released);
        }
        Instruction.ReleaseHold release = (Instruction.ReleaseHold) instruction;
        return new Plan(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(resolve(hold, release.outcome(), now, Optional.empty(),
                Optional.empty(), Optional.empty())), released);
    }

    private static Hold resolve(Hold hold, HoldStatus outcome, Instant now, Optional<Money> captured, Optional<String> transactionId,
            Optional<String> toWalletId) {
        return new Hold(hold.id(), hold.scope(), hold.walletId(), hold.amount(), outcome, hold.description(), hold.idempotencyKey(),
                hold.metadataJson(), hold.expiresAt(), hold.createdAt(), Optional.of(now), captured, transactionId, toWalletId);
    }

    private Booking write(DSLContext tx, PartnerScope scope, Movement movement, Locked locked, RuleContext context, Instant now,
            Map<SystemAccountKey, String> created) {
        Plan plan = plan(scope, movement, locked, context, now);
        Map<String, WalletChange> changes = new TreeMap<>();
        locked.wallets().values().forEach(w -> changes.put(w.id(), new WalletChange(w)));
        plan.heldDeltaMinor().forEach((walletId, delta) -> changes.get(walletId).heldMinor += delta);

        // In this order, for the foreign keys: a hold before what names it, a transaction before its entries and its hold's resolution.
        Batch batch = new Batch();
        plan.placedHold().ifPresent(hold -> holds.insert(batch, tx, hold));
        if (plan.transaction().isPresent()) {
            Posted posted = post(tx, scope, movement, plan, changes, now, created);
            ledger.insertTransaction(batch, tx, posted.transaction());
            ledger.insertEntries(batch, tx, scope, posted.transaction().amount().currency(), now, posted.entries());
        }
        for (WalletChange change : changes.values()) {
            requireWalletStaysSound(change);
            if (change.changed()) {
                wallets.setBalances(batch, tx, change.before, change.balanceMinor, change.heldMinor, change.lastEntrySequence, now);
            }
        }
        plan.resolvedHold().ifPresent(hold -> holds.resolve(batch, tx, hold));
        idempotency.recordOutcome(batch, tx, scope, movement.key().value(), plan.transactionId(), plan.hold().map(Hold::id));
        batch.execute(tx);

        Optional<LedgerTransaction> written = plan.transactionId().map(id -> ledger.findTransaction(tx, scope, id).orElseThrow());
        written.ifPresent(t -> requireEntriesFollowWallets(t, changes));
        Optional<Hold> writtenHold = plan.hold().map(meant -> requireHoldAsMeant(holds.find(tx, scope, meant.id()).orElseThrow(), meant));
        return new Booking(written, writtenHold);
    }

    /** A transaction as a movement books it, with its entries, before it is written. */
    private record Posted(LedgerTransaction transaction, List<LedgerRepository.EntryRow> entries) {
    }

    /** The plan's transaction and its entries; the wallets' changes follow the entries (running balance, sequence). */
    private Posted post(DSLContext tx, PartnerScope scope, Movement movement, Plan plan, Map<String, WalletChange> changes, Instant now,
            Map<SystemAccountKey, String> created) {
        TransactionDraft t = plan.transaction().orElseThrow();
        String transactionId = plan.transactionId().orElseThrow();
        List<Posting> postings = Posting.requireBalanced(List.of(
                new Posting(account(tx, scope, t.amount().currency(), t.from(), created), -t.amount().minorUnits()),
                new Posting(account(tx, scope, t.amount().currency(), t.to(), created), t.amount().minorUnits())));
        LedgerTransaction transaction = new LedgerTransaction(transactionId, scope, t.type(), TransactionStatus.COMPLETED, t.amount(),
                t.description(), walletIdOf(t.from()), walletIdOf(t.to()), movement.key().value(), t.gateway(),
                t.gatewayReference().forTransaction(transactionId), Optional.empty(), t.metadataJson(), now, Optional.of(now), t.holdId(),
                List.of());
        return new Posted(transaction, entries(transactionId, postings, changes));
    }

    /** The ledger entries of the postings: on wallets with the running balance and next sequence number, on system accounts without. */
    private List<LedgerRepository.EntryRow> entries(String transactionId, List<Posting> postings, Map<String, WalletChange> changes) {
        List<LedgerRepository.EntryRow> entries = new ArrayList<>();
        for (Posting posting : postings) {
            String entryId = ids.next(IdPrefix.LEDGER_ENTRY);
            if (posting.account() instanceof Posting.WalletAccount account) {
                WalletChange change = changes.get(account.walletId());
                change.balanceMinor = Math.addExact(change.balanceMinor, posting.amountMinor());
                change.lastEntrySequence = change.lastEntrySequence + 1;
                entries.add(new LedgerRepository.EntryRow(entryId, transactionId, Optional.of(account.walletId()), Optional.empty(),
                        posting.amountMinor(), Optional.of(change.balanceMinor), Optional.of(change.lastEntrySequence)));
            } else if (posting.account() instanceof Posting.SystemAccount account) {
                entries.add(new LedgerRepository.EntryRow(entryId, transactionId, Optional.empty(), Optional.of(account.systemAccountId()),
                        posting.amountMinor(), Optional.empty(), Optional.empty()));
            }
        }
        return entries;
    }

    /** The invariant where it is written: a wallet never goes below zero, nor reserves more than it holds. */
    private static void requireWalletStaysSound(WalletChange change) {
        if (change.balanceMinor < 0 || change.heldMinor < 0 || change.heldMinor > change.balanceMinor) {
            throw new IllegalStateException("wallet " + change.before.id() + " would have balance " + change.balanceMinor + " and held "
                    + change.heldMinor + " (before: " + change.before.balanceMinor() + " and " + change.before.heldMinor() + ")");
        }
    }

    /** The paired check where it is read back: each entry follows its wallet's previous state. */
    private static void requireEntriesFollowWallets(LedgerTransaction written, Map<String, WalletChange> changes) {
        for (LedgerTransaction.WalletEntry entry : written.walletEntries()) {
            Wallet before = changes.get(entry.walletId()).before;
            if (entry.balanceAfterMinor() != before.balanceMinor() + entry.amountMinor() || entry.sequence() != before.lastEntrySequence() + 1) {
                throw new IllegalStateException("ledger entry " + entry.id() + " does not follow wallet " + before.id() + "'s previous state");
            }
        }
        long walletSides = (written.fromWalletId().isPresent() ? 1 : 0) + (written.toWalletId().isPresent() ? 1 : 0);
        if (written.walletEntries().size() != walletSides) {
            throw new IllegalStateException("transaction " + written.id() + " has " + written.walletEntries().size()
                    + " wallet entries, expected " + walletSides);
        }
    }

    private static Hold requireHoldAsMeant(Hold written, Hold meant) {
        if (written.status() != meant.status() || !written.amount().equals(meant.amount()) || !written.captured().equals(meant.captured())
                || !written.transactionId().equals(meant.transactionId()) || !written.walletId().equals(meant.walletId())) {
            throw new IllegalStateException("hold " + written.id() + " reads back as " + written + ", meant " + meant);
        }
        return written;
    }

    private Posting.Account account(DSLContext tx, PartnerScope scope, CurrencyUnit currency, LedgerAccount account,
            Map<SystemAccountKey, String> created) {
        if (account instanceof LedgerAccount.Wallet wallet) {
            return new Posting.WalletAccount(wallet.walletId());
        }
        return new Posting.SystemAccount(systemAccountId(tx, scope, currency, (LedgerAccount.System) account, created));
    }

    private record SystemAccountKey(PartnerScope scope, CurrencyUnit currency, SystemAccountKind kind, String provider) {
    }

    /**
     * The system account's id, creating the account on its first use, so that a kind added later
     * serves wallets that existed before it. Asked only once the rules have passed: a refused
     * movement creates no account.
     */
    private String systemAccountId(DSLContext tx, PartnerScope scope, CurrencyUnit currency, LedgerAccount.System account,
            Map<SystemAccountKey, String> created) {
        SystemAccountKey key = new SystemAccountKey(scope, currency, account.kind(), account.provider());
        // Known to the process once committed, or to this transaction once it created or found it (the batch's later members).
        String known = systemAccountIds.getOrDefault(key, created.get(key));
        if (known != null) {
            return known;
        }
        String id = systemAccounts.ensure(tx, scope, currency, account.kind(), account.provider(), ids.next(IdPrefix.SYSTEM_ACCOUNT),
                clock.instant().truncatedTo(ChronoUnit.MICROS));
        created.put(key, id);
        return id;
    }

    private static Optional<String> walletIdOf(LedgerAccount account) {
        return account instanceof LedgerAccount.Wallet wallet ? Optional.of(wallet.walletId()) : Optional.empty();
    }

    /** How group commit's batches went since start; all zero when it is off. */
    GroupCommit.Stats groupCommitStats() {
        return groupCommit == null ? new GroupCommit.Stats(0, 0, 0, 0) : groupCommit.stats();
    }

    /** Stops group commit's lanes; movements booked after this go alone. */
    public void close() {
        if (groupCommit != null) {
            groupCommit.close();
        }
    }
}
