package dev.payflow.bankrun;

/**
 * One money-moving call a client makes, with everything needed to check it against the books
 * afterwards. The key is fixed when the call is made and reused by every retry.
 */
final class Call {
    enum Kind { CREDIT, DEBIT, TRANSFER, PLACE_HOLD, CAPTURE_HOLD, VOID_HOLD }

    /** How a call ended for the client: a success, a business-rule refusal, or no answer it trusted. */
    enum Status { OPEN, ACKNOWLEDGED, REFUSED, GAVE_UP }

    final Kind kind;
    final String key;
    final boolean rest;
    /** The wallet money leaves (debit, transfer, hold, capture) or enters (credit). */
    final Wallet wallet;
    /** The wallet money enters in a transfer or a capture to another wallet, else null. */
    final Wallet targetWallet;
    final long amountMinor;
    /** For a capture or a void: the acknowledged placement of the hold. */
    final Call hold;

    Status status = Status.OPEN;
    int attempts;
    /** The transaction (movements, captures) or hold (placements) the acknowledgement named. */
    String answeredId;
    /** A capture's transaction id. */
    String answeredTransactionId;
    long answeredAmountMinor;
    String refusalReason;
    String lastFailure;

    Call(Kind kind, String key, boolean rest, Wallet wallet, Wallet targetWallet, long amountMinor, Call hold) {
        this.kind = kind;
        this.key = key;
        this.rest = rest;
        this.wallet = wallet;
        this.targetWallet = targetWallet;
        this.amountMinor = amountMinor;
        this.hold = hold;
    }

    String holdId() {
        return hold == null ? null : hold.answeredId;
    }

    @Override
    public String toString() {
        return kind + " key=" + key + " over " + (rest ? "REST" : "gRPC") + " wallet=" + wallet.id()
                + (targetWallet == null ? "" : " target=" + targetWallet.id()) + " amount=" + wallet.format(amountMinor)
                + (hold == null ? "" : " hold=" + hold.answeredId) + " status=" + status + " attempts=" + attempts
                + (refusalReason == null ? "" : " reason=" + refusalReason) + (lastFailure == null ? "" : " lastFailure=" + lastFailure);
    }

    /** A partner wallet as the run knows it: its id, currency and the number of decimals of that currency. */
    record Wallet(String id, String currency, int index) {
        int decimals() {
            return "JPY".equals(currency) ? 0 : 2;
        }

        String format(long minor) {
            if (decimals() == 0) {
                return Long.toString(minor);
            }
            return new java.math.BigDecimal(minor).movePointLeft(decimals()).toPlainString();
        }

        long parse(String amount) {
            return new java.math.BigDecimal(amount).movePointRight(decimals()).longValueExact();
        }
    }
}
