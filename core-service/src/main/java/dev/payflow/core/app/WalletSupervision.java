package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Fields;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.persistence.AdjustmentRepository;
import dev.payflow.core.persistence.Database;
import java.util.Objects;
import java.util.Optional;

/**
 * Operators' view of wallets: any partner's wallet by id, and freezing or unfreezing it. The
 * change itself is the partner's own update (the same rules and events), in the wallet's scope.
 */
public final class WalletSupervision {
    private final Database database;
    private final WalletManagement wallets;
    private final AdjustmentRepository owners;

    public WalletSupervision(Database database, WalletManagement wallets, AdjustmentRepository owners) {
        this.database = Objects.requireNonNull(database, "database");
        this.wallets = Objects.requireNonNull(wallets, "wallets");
        this.owners = Objects.requireNonNull(owners, "owners");
    }

    public Wallet lookup(String id) {
        String walletId = Ids.require(id, IdPrefix.WALLET, "id");
        return wallets.get(scopeOf(walletId), walletId);
    }

    public Wallet setStatus(String id, Optional<WalletStatus> status, String reasonText) {
        String walletId = Ids.require(id, IdPrefix.WALLET, "id");
        WalletStatus next = status.orElseThrow(
                () -> PayflowException.of(ErrorReason.MISSING_FIELD, "status is required (expected: active or frozen)"));
        if (next == WalletStatus.CLOSED) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "status: closed (expected: active or frozen; closing is the partner's decision)");
        }
        Fields.required(reasonText, "reason", Limits.REASON_LENGTH_MAX);
        return wallets.update(scopeOf(walletId), new WalletManagement.UpdateWallet(walletId, Optional.empty(), Optional.empty(), Optional.of(next)));
    }

    private PartnerScope scopeOf(String walletId) {
        return owners.walletOwner(database.reader(), walletId).map(AdjustmentRepository.WalletOwner::scope)
                .orElseThrow(() -> PayflowException.of(ErrorReason.WALLET_NOT_FOUND, "wallet %s not found", walletId));
    }
}
