package dev.payflow.core.app;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.WalletRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Creating, reading and updating a partner's wallets. */
public final class WalletManagement {
    private final Database database;
    private final Services services;
    private final WalletRepository wallets;
    private final LedgerRepository ledger;
    private final HoldRepository holds;

    public WalletManagement(Database database, Services services, WalletRepository wallets, LedgerRepository ledger, HoldRepository holds) {
        this.database = database;
        this.services = services;
        this.wallets = wallets;
        this.ledger = ledger;
        this.holds = holds;
    }

    public record CreateWallet(String externalUserId, String externalWalletId, String name, String currency, Metadata metadata) {
    }

    public record UpdateWallet(String id, Optional<String> name, Optional<Metadata> metadata, Optional<WalletStatus> status) {
    }

    /** A balance at a moment: now, or a past instant read off the ledger. */
    public record Balance(Wallet wallet, Money balance, Money available, Instant asOf) {
    }

    public Wallet create(PartnerScope scope, CreateWallet command) {
        String externalUserId = Fields.required(command.externalUserId(), "externalUserId", Limits.EXTERNAL_ID_LENGTH_MAX);
        String externalWalletId = Fields.required(command.externalWalletId(), "externalWalletId", Limits.EXTERNAL_ID_LENGTH_MAX);
        String name = Fields.requiredFreeText(command.name(), "name", Limits.NAME_LENGTH_MAX);
        CurrencyUnit currency = CurrencyUnit.of(command.currency());
        Metadata metadata = command.metadata().validated();
        Instant now = services.now();
        Wallet wallet = new Wallet(services.ids().next(IdPrefix.WALLET), scope, externalUserId, externalWalletId, name, currency,
                WalletStatus.ACTIVE, metadata.json(), 0, 0, 0, now, now);
        return database.inTransaction(tx -> {
            if (!wallets.insert(tx, wallet)) {
                throw PayflowException.of(ErrorReason.WALLET_ALREADY_EXISTS, "a wallet with externalWalletId %s already exists", externalWalletId);
            }
            return wallets.find(tx, scope, wallet.id()).orElseThrow();
        });
    }

    public Wallet get(PartnerScope scope, String id) {
        String walletId = Ids.require(id, IdPrefix.WALLET, "id");
        return wallets.find(database.reader(), scope, walletId).orElseThrow(() -> notFound(walletId));
    }

    public Wallet getByExternalId(PartnerScope scope, String externalId) {
        String externalWalletId = Fields.required(externalId, "externalId", Limits.EXTERNAL_ID_LENGTH_MAX);
        return wallets.findByExternalId(database.reader(), scope, externalWalletId)
                .orElseThrow(() -> PayflowException.of(ErrorReason.WALLET_NOT_FOUND, "no wallet with externalWalletId %s", externalWalletId));
    }

    public Page<Wallet> list(PartnerScope scope, int pageSize, String pageToken, Optional<String> externalUserId, Optional<WalletStatus> status) {
        if (externalUserId.isPresent()) {
            Fields.optional(externalUserId.get(), "externalUserId", Limits.EXTERNAL_ID_LENGTH_MAX);
        }
        PageRequest page = PageRequest.of(pageSize, pageToken,
                "wallets|" + externalUserId.orElse("") + "|" + status.map(WalletStatus::wireName).orElse(""));
        List<Wallet> rows = wallets.list(database.reader(), scope, externalUserId, status, page.afterId(), page.size());
        return Pages.of(rows, page, Wallet::id);
    }

    public Wallet update(PartnerScope scope, UpdateWallet command) {
        String walletId = Ids.require(command.id(), IdPrefix.WALLET, "id");
        Optional<String> name = command.name().map(n -> Fields.requiredFreeText(n, "name", Limits.NAME_LENGTH_MAX));
        Optional<Metadata> metadata = command.metadata().map(Metadata::validated);
        return database.inTransaction(tx -> {
            // Locked, so a concurrent credit cannot slip in between the zero-balance check and closing.
            Wallet current = wallets.findForUpdate(tx, scope, walletId).orElseThrow(() -> notFound(walletId));
            WalletStatus status = command.status().orElse(current.status());
            current.status().requireTransitionTo(status, current.balanceMinor());
            wallets.update(tx, scope, walletId, name.orElse(current.name()), metadata.map(Metadata::json).orElse(current.metadataJson()),
                    status, services.now());
            return wallets.find(tx, scope, walletId).orElseThrow();
        });
    }

    /**
     * The balance now, or at a past moment. A past balance is final: asked again, it answers the
     * same, so {@code asOf} must be at least {@link Limits#BALANCE_SETTLED_AFTER} ago (a movement
     * in flight may still commit entries stamped before a more recent moment).
     */
    public Balance balance(PartnerScope scope, String id, Optional<Instant> asOf) {
        String walletId = Ids.require(id, IdPrefix.WALLET, "id");
        Instant now = services.now();
        if (asOf.isPresent() && asOf.get().isAfter(now)) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "asOf: %s is in the future (now: %s)", asOf.get(), now);
        }
        if (asOf.isPresent() && asOf.get().isAfter(now.minus(Limits.BALANCE_SETTLED_AFTER))) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD,
                    "asOf: %s is less than %d s ago, and a balance is final only after that; omit asOf for the current balance",
                    asOf.get(), Limits.BALANCE_SETTLED_AFTER.toSeconds());
        }
        return database.inTransaction(tx -> {
            Wallet wallet = wallets.find(tx, scope, walletId).orElseThrow(() -> notFound(walletId));
            if (asOf.isEmpty()) {
                return new Balance(wallet, wallet.balance(), wallet.available(), now);
            }
            long balanceThen = ledger.balanceAsOf(tx, scope, walletId, asOf.get());
            long heldThen = holds.heldAsOf(tx, scope, walletId, asOf.get());
            return new Balance(wallet, new Money(balanceThen, wallet.currency()), new Money(balanceThen - heldThen, wallet.currency()), asOf.get());
        });
    }

    static PayflowException notFound(String walletId) {
        return PayflowException.of(ErrorReason.WALLET_NOT_FOUND, "wallet %s not found", walletId);
    }
}
