package dev.payflow.core.app;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Posting;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.gateway.GatewayRegistry;
import dev.payflow.core.gateway.InstantGateway;
import dev.payflow.core.persistence.Batch;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * Credits, debits and transfers: every one a single database transaction that claims the
 * idempotency key first, then locks the partner wallets involved in id order, checks the
 * business rules, and writes a transaction whose ledger entries sum to zero.
 *
 * <p>Error precedence (what a request with several problems reports), the order documented in
 * wallet.proto and transfer.proto: wallet ids (source, then target: missing, then malformed),
 * currency, amount, description, metadata, same wallet, idempotency key, gateway. These are
 * validation and do not consume the key. Then, inside the transaction: key reused or in use;
 * wallet not found (source, then target); currency mismatch; closed (either wallet), then frozen
 * (either wallet); insufficient funds; the target's balance limit. Those consume the key, and a retry with it returns the same
 * error.
 */
public final class MoneyMovement {
    private final Database database;
    private final Services services;
    private final WalletRepository wallets;
    private final LedgerRepository ledger;
    private final IdempotencyRepository idempotency;
    private final SystemAccountRepository systemAccounts;
    private final GatewayRegistry gateways;
    /** System account ids never change once created, so each is looked up once per process. */
    private final Map<String, String> systemAccountIds = new ConcurrentHashMap<>();

    public MoneyMovement(Database database, Services services, WalletRepository wallets, LedgerRepository ledger,
            IdempotencyRepository idempotency, SystemAccountRepository systemAccounts, GatewayRegistry gateways) {
        this.database = database;
        this.services = services;
        this.wallets = wallets;
        this.ledger = ledger;
        this.idempotency = idempotency;
        this.systemAccounts = systemAccounts;
        this.gateways = gateways;
    }

    /** A credit or debit of one wallet. The key may come in the body, the header, or both (if equal). */
    public record WalletMovement(String walletId, String amount, String currency, String description, String bodyIdempotencyKey,
            String headerIdempotencyKey, Metadata metadata) {
    }

    public record Transfer(String fromWalletId, String toWalletId, String amount, String currency, String description,
            String bodyIdempotencyKey, String headerIdempotencyKey, Metadata metadata) {
    }

    /** Adds funds from the partner's gateway clearing account; sandbox settles at once through the simulated gateway. */
    public LedgerTransaction credit(PartnerScope scope, WalletMovement command) {
        String walletId = Ids.require(command.walletId(), IdPrefix.WALLET, "walletId");
        Validated v = validate(command.amount(), command.currency(), command.description(), command.metadata());
        String key = IdempotencyKeys.resolve(command.bodyIdempotencyKey(), command.headerIdempotencyKey());
        // Only a gateway that settles without I/O may run inside the database transaction. A gateway
        // that calls out (Stripe) needs the pending-then-settle flow of docs/ledger.md, not built yet.
        InstantGateway gateway = gateways.forMode(scope.livemode())
                .filter(InstantGateway.class::isInstance).map(InstantGateway.class::cast)
                .orElseThrow(() -> PayflowException.of(ErrorReason.GATEWAY_NOT_CONFIGURED,
                        "no payment gateway is configured for %s mode, so funds cannot be added yet", scope.livemode() ? "live" : "sandbox"));
        String fingerprint = IdempotencyKeys.fingerprint("CreditWallet", walletId, v.amount().minorUnits(), v.amount().currency(),
                v.description(), v.metadata().json());
        return execute(scope, "CreditWallet", fingerprint, v, key, new Movement(TransactionType.CREDIT, Optional.empty(), Optional.of(walletId),
                Optional.of(SystemAccountKind.GATEWAY_CLEARING), gateway.name(),
                transactionId -> Optional.of(gateway.settle(transactionId, v.amount()))));
    }

    /** Takes funds out of a wallet into the partner's settlement account. */
    public LedgerTransaction debit(PartnerScope scope, WalletMovement command) {
        String walletId = Ids.require(command.walletId(), IdPrefix.WALLET, "walletId");
        Validated v = validate(command.amount(), command.currency(), command.description(), command.metadata());
        String key = IdempotencyKeys.resolve(command.bodyIdempotencyKey(), command.headerIdempotencyKey());
        String fingerprint = IdempotencyKeys.fingerprint("DebitWallet", walletId, v.amount().minorUnits(), v.amount().currency(),
                v.description(), v.metadata().json());
        return execute(scope, "DebitWallet", fingerprint, v, key, new Movement(TransactionType.DEBIT, Optional.of(walletId), Optional.empty(),
                Optional.of(SystemAccountKind.SETTLEMENT), "", transactionId -> Optional.empty()));
    }

    /** Moves funds between two wallets of the same partner and mode; no gateway, no system account. */
    public LedgerTransaction transfer(PartnerScope scope, Transfer command) {
        String fromWalletId = Ids.require(command.fromWalletId(), IdPrefix.WALLET, "fromWalletId");
        String toWalletId = Ids.require(command.toWalletId(), IdPrefix.WALLET, "toWalletId");
        Validated v = validate(command.amount(), command.currency(), command.description(), command.metadata());
        if (fromWalletId.equals(toWalletId)) {
            throw PayflowException.of(ErrorReason.SAME_WALLET, "fromWalletId and toWalletId are the same wallet %s", fromWalletId);
        }
        String key = IdempotencyKeys.resolve(command.bodyIdempotencyKey(), command.headerIdempotencyKey());
        String fingerprint = IdempotencyKeys.fingerprint("CreateTransfer", fromWalletId, toWalletId, v.amount().minorUnits(),
                v.amount().currency(), v.description(), v.metadata().json());
        return execute(scope, "CreateTransfer", fingerprint, v, key, new Movement(TransactionType.TRANSFER, Optional.of(fromWalletId),
                Optional.of(toWalletId), Optional.empty(), "", transactionId -> Optional.empty()));
    }

    /** The checked parts every movement shares. */
    private record Validated(Money amount, String description, Metadata metadata) {
    }

    /**
     * What to write: money leaves {@code fromWalletId}, or the system account when there is none,
     * and reaches {@code toWalletId}, or the system account when there is none.
     */
    private record Movement(TransactionType type, Optional<String> fromWalletId, Optional<String> toWalletId,
            Optional<SystemAccountKind> systemAccount, String gateway, Function<String, Optional<String>> gatewayReference) {

        List<Posting> postings(long amountMinor, Optional<String> systemAccountId) {
            Posting.Account source = fromWalletId.<Posting.Account>map(Posting.WalletAccount::new)
                    .orElseGet(() -> new Posting.SystemAccount(systemAccountId.orElseThrow()));
            Posting.Account target = toWalletId.<Posting.Account>map(Posting.WalletAccount::new)
                    .orElseGet(() -> new Posting.SystemAccount(systemAccountId.orElseThrow()));
            return Posting.requireBalanced(List.of(new Posting(source, -amountMinor), new Posting(target, amountMinor)));
        }
    }

    /** The result of the database transaction: committed either way, thrown only afterwards. */
    private record Outcome(LedgerTransaction transaction, PayflowException failure) {
        LedgerTransaction orThrow() {
            if (failure != null) {
                throw failure;
            }
            return transaction;
        }
    }

    private static Validated validate(String amountText, String currencyCode, String descriptionText, Metadata metadata) {
        CurrencyUnit currency = CurrencyUnit.of(currencyCode);
        Money amount = Money.parsePositive(amountText, currency);
        String description = Fields.optional(descriptionText, "description", Limits.DESCRIPTION_LENGTH_MAX);
        return new Validated(amount, description, metadata.validated());
    }

    private LedgerTransaction execute(PartnerScope scope, String operation, String fingerprint, Validated v, String key, Movement movement) {
        Outcome outcome = database.inTransaction(tx -> {
            Optional<Outcome> earlier = claimOrReplay(tx, scope, key, operation, fingerprint);
            if (earlier.isPresent()) {
                return earlier.get();
            }
            Map<String, Wallet> locked;
            try {
                // Locks and rules only: nothing of the movement is written before every rule has passed,
                // so a failed rule leaves the key's claim and its error, and nothing else.
                locked = lockAndCheck(tx, scope, v, movement);
            } catch (PayflowException ruleFailed) {
                idempotency.recordError(tx, scope, key, ruleFailed.reason().name(), ruleFailed.getMessage());
                return new Outcome(null, ruleFailed);
            }
            // Any failure from here on is a bug, and rolls back the whole transaction, key claim included.
            return new Outcome(write(tx, scope, v, key, movement, locked), null);
        });
        return outcome.orThrow();
    }

    /** Claims the key, or answers as the request that first used it did. */
    private Optional<Outcome> claimOrReplay(DSLContext tx, PartnerScope scope, String key, String operation, String fingerprint) {
        IdempotencyRepository.Claim claim = idempotency.claim(tx, scope, key, operation, fingerprint, services.now());
        if (claim == IdempotencyRepository.Claim.CLAIMED) {
            return Optional.empty();
        }
        if (claim == IdempotencyRepository.Claim.BUSY) {
            throw keyInUse();
        }
        IdempotencyRepository.Record earlier = idempotency.find(tx, scope, key).orElseThrow(
                () -> new IllegalStateException("idempotency key " + key + " neither claimed nor found"));
        if (!earlier.operation().equals(operation) || !earlier.fingerprint().equals(fingerprint)) {
            throw PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_REUSED,
                    "this idempotency key was already used for a different request (%s with other parameters)", earlier.operation());
        }
        if (earlier.transactionId().isPresent()) {
            return Optional.of(new Outcome(ledger.findTransaction(tx, scope, earlier.transactionId().get()).orElseThrow(), null));
        }
        if (earlier.errorReason().isPresent()) {
            return Optional.of(new Outcome(null,
                    new PayflowException(ErrorReason.valueOf(earlier.errorReason().get()), earlier.errorMessage().orElse(""))));
        }
        throw keyInUse();
    }

    private static PayflowException keyInUse() {
        return PayflowException.of(ErrorReason.IDEMPOTENCY_KEY_IN_USE,
                "a request with this idempotency key is still being processed; retry with the same key");
    }

    /** Locks the partner wallets involved, in id order, and checks the business rules in their order of precedence. */
    private Map<String, Wallet> lockAndCheck(DSLContext tx, PartnerScope scope, Validated v, Movement movement) {
        List<String> walletIds = new ArrayList<>();
        movement.fromWalletId().ifPresent(walletIds::add);
        movement.toWalletId().ifPresent(walletIds::add);
        Map<String, Wallet> locked = wallets.lockInIdOrder(tx, scope, new TreeSet<>(walletIds)).stream()
                .collect(Collectors.toMap(Wallet::id, w -> w));
        for (String walletId : walletIds) {
            if (!locked.containsKey(walletId)) {
                throw WalletManagement.notFound(walletId);
            }
        }
        for (String walletId : walletIds) {
            Wallet wallet = locked.get(walletId);
            if (!wallet.currency().equals(v.amount().currency())) {
                throw PayflowException.of(ErrorReason.CURRENCY_MISMATCH, "wallet %s holds %s, but the request is in %s", walletId,
                        wallet.currency(), v.amount().currency());
            }
        }
        // Closed is reported before frozen whichever side it is on: closed is final, frozen is not.
        for (WalletStatus blocking : List.of(WalletStatus.CLOSED, WalletStatus.FROZEN)) {
            for (String walletId : walletIds) {
                if (locked.get(walletId).status() == blocking) {
                    blocking.requireMoneyCanMove(walletId);
                }
            }
        }
        if (movement.fromWalletId().isPresent()) {
            Wallet source = locked.get(movement.fromWalletId().get());
            if (source.balanceMinor() < v.amount().minorUnits()) {
                throw PayflowException.of(ErrorReason.INSUFFICIENT_FUNDS, "wallet %s has %s available, %s requested", source.id(),
                        source.balance().format(), v.amount().format());
            }
        }
        if (movement.toWalletId().isPresent()) {
            Wallet target = locked.get(movement.toWalletId().get());
            if (target.balanceMinor() > Money.WALLET_BALANCE_MINOR_MAX - v.amount().minorUnits()) {
                throw PayflowException.of(ErrorReason.BALANCE_LIMIT_EXCEEDED, "wallet %s would hold more than %s", target.id(),
                        new Money(Money.WALLET_BALANCE_MINOR_MAX, target.currency()).format());
            }
        }
        return locked;
    }

    /**
     * Writes the transaction, its entries, the wallets' new balances and the key's outcome in one
     * round trip, then reads the transaction back and checks it against what was meant.
     */
    private LedgerTransaction write(DSLContext tx, PartnerScope scope, Validated v, String key, Movement movement, Map<String, Wallet> locked) {
        Instant now = services.now();
        String transactionId = services.ids().next(IdPrefix.TRANSACTION);
        Optional<String> systemAccountId = movement.systemAccount().map(kind -> systemAccountId(tx, scope, v.amount().currency(), kind));
        List<Posting> postings = movement.postings(v.amount().minorUnits(), systemAccountId);
        Batch batch = ledger.insertTransaction(new Batch(), tx, new LedgerTransaction(transactionId, scope, movement.type(),
                TransactionStatus.COMPLETED, v.amount(), v.description(), movement.fromWalletId(), movement.toWalletId(), key,
                movement.gateway(), movement.gatewayReference().apply(transactionId), Optional.empty(), v.metadata().json(), now,
                Optional.of(now), List.of()));
        List<LedgerRepository.EntryRow> entries = new ArrayList<>();
        for (Posting posting : postings) {
            String entryId = services.ids().next(IdPrefix.LEDGER_ENTRY);
            if (posting.account() instanceof Posting.WalletAccount account) {
                Wallet wallet = locked.get(account.walletId());
                long balanceAfter = Math.addExact(wallet.balanceMinor(), posting.amountMinor());
                if (balanceAfter < 0) {
                    throw new IllegalStateException("wallet " + wallet.id() + " would go below zero: " + balanceAfter);
                }
                long sequence = wallet.lastEntrySequence() + 1;
                entries.add(new LedgerRepository.EntryRow(entryId, transactionId, Optional.of(wallet.id()), Optional.empty(),
                        posting.amountMinor(), Optional.of(balanceAfter), Optional.of(sequence)));
                wallets.setBalance(batch, tx, scope, wallet.id(), balanceAfter, sequence, now);
            } else if (posting.account() instanceof Posting.SystemAccount account) {
                entries.add(new LedgerRepository.EntryRow(entryId, transactionId, Optional.empty(),
                        Optional.of(account.systemAccountId()), posting.amountMinor(), Optional.empty(), Optional.empty()));
            }
        }
        ledger.insertEntries(batch, tx, scope, v.amount().currency(), now, entries);
        idempotency.recordTransaction(batch, tx, scope, key, transactionId);
        batch.execute(tx);
        LedgerTransaction written = ledger.findTransaction(tx, scope, transactionId).orElseThrow();
        requireEntriesMatchWallets(written, locked, postings);
        return written;
    }

    /** The paired check: what was read back equals what was meant to be written. */
    private static void requireEntriesMatchWallets(LedgerTransaction written, Map<String, Wallet> before, List<Posting> postings) {
        for (LedgerTransaction.WalletEntry entry : written.walletEntries()) {
            Wallet wallet = before.get(entry.walletId());
            if (entry.balanceAfterMinor() != wallet.balanceMinor() + entry.amountMinor() || entry.sequence() != wallet.lastEntrySequence() + 1) {
                throw new IllegalStateException("ledger entry " + entry.id() + " does not follow wallet " + wallet.id() + "'s previous state");
            }
        }
        long walletPostings = postings.stream().filter(p -> p.account() instanceof Posting.WalletAccount).count();
        if (written.walletEntries().size() != walletPostings) {
            throw new IllegalStateException("transaction " + written.id() + " has " + written.walletEntries().size()
                    + " wallet entries, expected " + walletPostings);
        }
    }

    /**
     * The system account's id. Wallet creation creates the accounts of its partner, mode and
     * currency, so they exist by the time money moves; each id is read once per process.
     */
    private String systemAccountId(DSLContext tx, PartnerScope scope, CurrencyUnit currency, SystemAccountKind kind) {
        String cacheKey = scope.partnerId() + "|" + scope.livemode() + "|" + currency.code() + "|" + kind;
        String cached = systemAccountIds.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        String id = systemAccounts.find(tx, scope, currency, kind).orElseThrow(() -> new IllegalStateException(
                "no " + kind + " account for " + scope + " in " + currency + ", though a wallet in that currency exists"));
        systemAccountIds.putIfAbsent(cacheKey, id);
        return id;
    }
}
