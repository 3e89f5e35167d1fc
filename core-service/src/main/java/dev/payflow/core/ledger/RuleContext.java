package dev.payflow.core.ledger;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.Wallet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the rules see of a movement once its hold (if any) and wallets are locked. Nothing here has
 * been written yet.
 *
 * @param walletIds       the wallets the movement names, source first, then target
 * @param locked          those of them that exist in the partner's scope, by id
 * @param currency        the movement's currency (a capture's is its hold's)
 * @param amountMinor     what leaves the debited wallet and reaches the credited one
 * @param debitedWalletId the wallet whose available balance must cover the amount, if any
 * @param creditedWalletId the wallet whose balance grows, if any
 * @param holdId          the hold the movement resolves, if any, and {@code hold} if it exists
 */
record RuleContext(MovementKind kind, List<String> walletIds, Map<String, Wallet> locked, CurrencyUnit currency, long amountMinor,
        Optional<String> debitedWalletId, Optional<String> creditedWalletId, Optional<String> holdId, Optional<Hold> hold,
        Optional<Long> requestedCaptureMinor, Optional<String> captureToWalletId, Instant now) {
}
