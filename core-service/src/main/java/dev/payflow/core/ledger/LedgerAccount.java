package dev.payflow.core.ledger;

import dev.payflow.core.domain.SystemAccountKind;
import java.util.Objects;

/** One side of a posted movement: a partner's wallet, or one of PayFlow's system accounts. */
public sealed interface LedgerAccount {

    record Wallet(String walletId) implements LedgerAccount {
        public Wallet {
            Objects.requireNonNull(walletId, "walletId");
        }
    }

    /**
     * A system account of the movement's partner, mode and currency, created on first use.
     *
     * @param provider the gateway it mirrors ({@code "simulated"}, {@code "stripe"}) for kinds kept
     *                 per provider; empty for the others
     */
    record System(SystemAccountKind kind, String provider) implements LedgerAccount {
        public System {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(provider, "provider");
            if (kind.mirrorsProvider() == provider.isEmpty()) {
                throw new IllegalArgumentException(kind + (kind.mirrorsProvider() ? " needs a provider" : " is kept once per partner, not per provider")
                        + ": '" + provider + "'");
            }
        }

        public static System of(SystemAccountKind kind) {
            return new System(kind, "");
        }
    }
}
