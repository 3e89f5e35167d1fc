package dev.payflow.core.ledger;

import static dev.payflow.core.ledger.MovementKind.CAPTURE_HOLD;
import static dev.payflow.core.ledger.MovementKind.CREDIT;
import static dev.payflow.core.ledger.MovementKind.DEBIT;
import static dev.payflow.core.ledger.MovementKind.PLACE_HOLD;
import static dev.payflow.core.ledger.MovementKind.RELEASE_HOLD;
import static dev.payflow.core.ledger.MovementKind.TRANSFER;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The business rules of every movement, in their one order of precedence: a movement that breaks
 * several reports the first. The engine evaluates this list top to bottom after the idempotency
 * key is claimed and the hold and wallets are locked, and before anything is written; a broken
 * rule consumes the key (its replay answers the same error). The proto comments of each
 * money-moving RPC state the same order, and a test holds the two together.
 */
public final class LedgerRules {

    /** One rule: the reason it reports, the movements it applies to, and its check. */
    public record Rule(ErrorReason reason, Set<MovementKind> appliesTo, Check check) {
        public Rule {
            Objects.requireNonNull(reason, "reason");
            appliesTo = Set.copyOf(appliesTo);
            Objects.requireNonNull(check, "check");
        }
    }

    /** A rule's test: empty if the movement keeps the rule, else the partner-facing failure. */
    @FunctionalInterface
    interface Check {
        Optional<PayflowException> apply(RuleContext movement);
    }

    private static final Set<MovementKind> HOLDS_RESOLVED = EnumSet.of(CAPTURE_HOLD, RELEASE_HOLD);
    private static final Set<MovementKind> WALLETS_MOVE = EnumSet.of(CREDIT, DEBIT, TRANSFER, PLACE_HOLD, CAPTURE_HOLD);

    /** The order of precedence. Append new rules where they belong, and say so in the proto comments. */
    public static final List<Rule> PRECEDENCE = List.of(
            new Rule(ErrorReason.HOLD_NOT_FOUND, HOLDS_RESOLVED, LedgerRules::holdExists),
            new Rule(ErrorReason.HOLD_NOT_PENDING, HOLDS_RESOLVED, LedgerRules::holdIsPending),
            new Rule(ErrorReason.HOLD_EXPIRED, EnumSet.of(CAPTURE_HOLD), LedgerRules::holdNotExpired),
            new Rule(ErrorReason.HOLD_AMOUNT_EXCEEDED, EnumSet.of(CAPTURE_HOLD), LedgerRules::captureWithinHold),
            new Rule(ErrorReason.SAME_WALLET, EnumSet.of(CAPTURE_HOLD), LedgerRules::captureToAnotherWallet),
            new Rule(ErrorReason.WALLET_NOT_FOUND, WALLETS_MOVE, LedgerRules::walletsExist),
            new Rule(ErrorReason.CURRENCY_MISMATCH, WALLETS_MOVE, LedgerRules::currenciesMatch),
            // Closed is reported before frozen whichever wallet it is on: closed is final, frozen is not.
            new Rule(ErrorReason.WALLET_CLOSED, WALLETS_MOVE, movement -> noWalletIn(movement, WalletStatus.CLOSED)),
            new Rule(ErrorReason.WALLET_FROZEN, WALLETS_MOVE, movement -> noWalletIn(movement, WalletStatus.FROZEN)),
            new Rule(ErrorReason.INSUFFICIENT_FUNDS, EnumSet.of(DEBIT, TRANSFER, PLACE_HOLD), LedgerRules::availableCoversAmount),
            new Rule(ErrorReason.BALANCE_LIMIT_EXCEEDED, EnumSet.of(CREDIT, TRANSFER, CAPTURE_HOLD), LedgerRules::creditedStaysWithinLimit));

    private LedgerRules() {
    }

    /** The reasons a movement of this kind can report, in precedence order. */
    public static List<ErrorReason> reasonsFor(MovementKind kind) {
        return PRECEDENCE.stream().filter(rule -> rule.appliesTo().contains(kind)).map(Rule::reason).toList();
    }

    /** The first rule the movement breaks, if any. */
    static Optional<PayflowException> firstBroken(RuleContext movement) {
        for (Rule rule : PRECEDENCE) {
            if (!rule.appliesTo().contains(movement.kind())) {
                continue;
            }
            Optional<PayflowException> broken = rule.check().apply(movement);
            if (broken.isPresent()) {
                if (broken.get().reason() != rule.reason()) {
                    throw new IllegalStateException("rule " + rule.reason() + " reported " + broken.get().reason());
                }
                return broken;
            }
        }
        return Optional.empty();
    }

    private static Optional<PayflowException> holdExists(RuleContext movement) {
        return movement.hold().isPresent() ? Optional.empty()
                : fail(ErrorReason.HOLD_NOT_FOUND, "hold %s not found", movement.holdId().orElseThrow());
    }

    private static Optional<PayflowException> holdIsPending(RuleContext movement) {
        Hold hold = movement.hold().orElseThrow();
        return hold.status().isResolved()
                ? fail(ErrorReason.HOLD_NOT_PENDING, "hold %s is %s already; a hold is resolved once", hold.id(), hold.status().wireName())
                : Optional.empty();
    }

    private static Optional<PayflowException> holdNotExpired(RuleContext movement) {
        Hold hold = movement.hold().orElseThrow();
        return hold.isExpiredAt(movement.now())
                ? fail(ErrorReason.HOLD_EXPIRED, "hold %s expired at %s and can no longer be captured", hold.id(), hold.expiresAt())
                : Optional.empty();
    }

    private static Optional<PayflowException> captureWithinHold(RuleContext movement) {
        Hold hold = movement.hold().orElseThrow();
        long requested = movement.requestedCaptureMinor().orElse(hold.amount().minorUnits());
        return requested > hold.amount().minorUnits()
                ? fail(ErrorReason.HOLD_AMOUNT_EXCEEDED, "hold %s holds %s, %s requested", hold.id(), hold.amount().format(),
                        new Money(requested, hold.amount().currency()).format())
                : Optional.empty();
    }

    private static Optional<PayflowException> captureToAnotherWallet(RuleContext movement) {
        Hold hold = movement.hold().orElseThrow();
        return movement.captureToWalletId().filter(hold.walletId()::equals).isPresent()
                ? fail(ErrorReason.SAME_WALLET, "toWalletId %s is the wallet hold %s is on", hold.walletId(), hold.id())
                : Optional.empty();
    }

    private static Optional<PayflowException> walletsExist(RuleContext movement) {
        return movement.walletIds().stream().filter(id -> !movement.locked().containsKey(id)).findFirst()
                .map(id -> PayflowException.of(ErrorReason.WALLET_NOT_FOUND, "wallet %s not found", id));
    }

    private static Optional<PayflowException> currenciesMatch(RuleContext movement) {
        for (String walletId : movement.walletIds()) {
            Wallet wallet = movement.locked().get(walletId);
            if (!wallet.currency().equals(movement.currency())) {
                return fail(ErrorReason.CURRENCY_MISMATCH, "wallet %s holds %s, but the request is in %s", walletId, wallet.currency(),
                        movement.currency());
            }
        }
        return Optional.empty();
    }

    private static Optional<PayflowException> noWalletIn(RuleContext movement, WalletStatus blocking) {
        for (String walletId : movement.walletIds()) {
            if (movement.locked().get(walletId).status() == blocking) {
                try {
                    blocking.requireMoneyCanMove(walletId);
                } catch (PayflowException refused) {
                    return Optional.of(refused);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<PayflowException> availableCoversAmount(RuleContext movement) {
        Wallet source = movement.locked().get(movement.debitedWalletId().orElseThrow());
        return source.availableMinor() < movement.amountMinor()
                ? fail(ErrorReason.INSUFFICIENT_FUNDS, "wallet %s has %s available, %s requested", source.id(), source.available().format(),
                        new Money(movement.amountMinor(), movement.currency()).format())
                : Optional.empty();
    }

    private static Optional<PayflowException> creditedStaysWithinLimit(RuleContext movement) {
        if (movement.creditedWalletId().isEmpty()) {
            return Optional.empty();
        }
        Wallet target = movement.locked().get(movement.creditedWalletId().get());
        return target.balanceMinor() > Money.WALLET_BALANCE_MINOR_MAX - movement.amountMinor()
                ? fail(ErrorReason.BALANCE_LIMIT_EXCEEDED, "wallet %s would hold more than %s", target.id(),
                        new Money(Money.WALLET_BALANCE_MINOR_MAX, target.currency()).format())
                : Optional.empty();
    }

    private static Optional<PayflowException> fail(ErrorReason reason, String format, Object... args) {
        return Optional.of(PayflowException.of(reason, format, args));
    }
}
