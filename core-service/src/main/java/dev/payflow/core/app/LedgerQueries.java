package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.WalletRepository;
import java.util.List;
import java.util.Optional;

/** Reading the books: transactions, transfers and wallet statements. */
public final class LedgerQueries {
    private final Database database;
    private final WalletRepository wallets;
    private final LedgerRepository ledger;

    public LedgerQueries(Database database, WalletRepository wallets, LedgerRepository ledger) {
        this.database = database;
        this.wallets = wallets;
        this.ledger = ledger;
    }

    public LedgerTransaction transaction(PartnerScope scope, String id) {
        String transactionId = Ids.require(id, IdPrefix.TRANSACTION, "id");
        return ledger.findTransaction(database.reader(), scope, transactionId)
                .orElseThrow(() -> PayflowException.of(ErrorReason.TRANSACTION_NOT_FOUND, "transaction %s not found", transactionId));
    }

    /** A transfer is a transaction of type transfer; any other transaction is not a transfer. */
    public LedgerTransaction transfer(PartnerScope scope, String id) {
        String transactionId = Ids.require(id, IdPrefix.TRANSACTION, "id");
        return ledger.findTransaction(database.reader(), scope, transactionId)
                .filter(t -> t.type() == TransactionType.TRANSFER)
                .orElseThrow(() -> PayflowException.of(ErrorReason.TRANSFER_NOT_FOUND, "transfer %s not found", transactionId));
    }

    public Page<LedgerTransaction> walletTransactions(PartnerScope scope, String walletIdText, LedgerRepository.TransactionFilter filter,
            int pageSize, String pageToken) {
        String walletId = Ids.require(walletIdText, IdPrefix.WALLET, "walletId");
        if (filter.createdAtOrAfter().isPresent() && filter.createdBefore().isPresent()
                && !filter.createdAtOrAfter().get().isBefore(filter.createdBefore().get())) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "createdAfter: %s must be before createdBefore: %s",
                    filter.createdAtOrAfter().get(), filter.createdBefore().get());
        }
        PageRequest page = PageRequest.of(pageSize, pageToken, "transactions|" + walletId + "|" + filter);
        return database.inTransaction(tx -> {
            requireWallet(tx, scope, walletId);
            List<LedgerTransaction> rows = ledger.listForWallet(tx, scope, walletId, filter, page.afterId(), page.size());
            return Pages.of(rows, page, LedgerTransaction::id);
        });
    }

    public Page<LedgerTransaction.WalletEntry> walletEntries(PartnerScope scope, String walletIdText, int pageSize, String pageToken) {
        String walletId = Ids.require(walletIdText, IdPrefix.WALLET, "walletId");
        PageRequest page = PageRequest.of(pageSize, pageToken, "entries|" + walletId);
        Optional<Long> beforeSequence = page.afterId().map(LedgerQueries::sequence);
        return database.inTransaction(tx -> {
            requireWallet(tx, scope, walletId);
            List<LedgerTransaction.WalletEntry> rows = ledger.listWalletEntries(tx, scope, walletId, beforeSequence, page.size());
            return Pages.of(rows, page, entry -> Long.toString(entry.sequence()));
        });
    }

    /**
     * A page of the partner's transactions created in [from, to), oldest first, for its export.
     * The page token is bound to the window, so a token cannot be replayed on another.
     */
    public Page<LedgerTransaction> export(PartnerScope scope, Optional<java.time.Instant> from, Optional<java.time.Instant> to, int pageSize,
            String pageToken) {
        java.time.Instant start = from.orElseThrow(() -> PayflowException.of(ErrorReason.MISSING_FIELD, "from is required (RFC 3339)"));
        java.time.Instant end = to.orElseThrow(() -> PayflowException.of(ErrorReason.MISSING_FIELD, "to is required (RFC 3339)"));
        if (!start.isBefore(end)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "from: %s must be before to: %s", start, end);
        }
        PageRequest page = PageRequest.of(pageSize, pageToken, "export-transactions|" + start + "|" + end);
        return database.inTransaction(tx -> Pages.of(ledger.listForExport(tx, scope, start, end, page.afterId(), page.size()), page,
                LedgerTransaction::id));
    }

    /** Any partner's transaction, for operators (the admin API; never reachable with a partner key). */
    public LedgerTransaction transactionOfAnyPartner(String id) {
        String transactionId = Ids.require(id, IdPrefix.TRANSACTION, "id");
        return ledger.findTransactionOfAnyPartner(database.reader(), transactionId)
                .orElseThrow(() -> PayflowException.of(ErrorReason.TRANSACTION_NOT_FOUND, "transaction %s not found", transactionId));
    }

    /** A partner's transactions of one mode, newest first, for operators; the wallet, if named, must be the partner's in that mode. */
    public Page<LedgerTransaction> partnerTransactions(PartnerScope scope, String walletIdText, Optional<TransactionType> type,
            Optional<dev.payflow.core.domain.TransactionStatus> status, int pageSize, String pageToken) {
        LedgerRepository.TransactionFilter filter = new LedgerRepository.TransactionFilter(type, status, Optional.empty(), Optional.empty());
        Optional<String> walletId = walletIdText.isEmpty() ? Optional.empty() : Optional.of(Ids.require(walletIdText, IdPrefix.WALLET, "walletId"));
        PageRequest page = PageRequest.of(pageSize, pageToken,
                "admin-transactions|" + scope.partnerId() + "|" + scope.livemode() + "|" + walletId.orElse("") + "|" + filter);
        return database.inTransaction(tx -> {
            walletId.ifPresent(id -> requireWallet(tx, scope, id));
            return Pages.of(ledger.listForScope(tx, scope, walletId, filter, page.afterId(), page.size()), page, LedgerTransaction::id);
        });
    }

    private void requireWallet(org.jooq.DSLContext tx, PartnerScope scope, String walletId) {
        if (wallets.find(tx, scope, walletId).isEmpty()) {
            throw WalletManagement.notFound(walletId);
        }
    }

    private static long sequence(String token) {
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            throw PayflowException.of(ErrorReason.INVALID_PAGE_TOKEN, "pageToken is not a token of this statement");
        }
    }
}
