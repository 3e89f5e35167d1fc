package dev.payflow.core.ledger;

/** What a movement does to the books; it decides which of the ledger's rules apply to it. */
public enum MovementKind {
    /** From a system account into a wallet. */
    CREDIT,
    /** From a wallet into a system account. */
    DEBIT,
    /** From one wallet into another. */
    TRANSFER,
    /** Reserves part of a wallet's balance; books nothing yet. */
    PLACE_HOLD,
    /** Turns a pending hold into a debit or transfer, releasing what is not taken. */
    CAPTURE_HOLD,
    /** Releases a pending hold (voided by the partner, or expired); books nothing. */
    RELEASE_HOLD
}
