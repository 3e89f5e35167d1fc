package dev.payflow.core.domain;

import java.time.Duration;

/** Bounds on partner input. Each says why it is that number; the columns repeat them. */
public final class Limits {
    /** A display name, long enough for any real product name. */
    public static final int NAME_LENGTH_MAX = 200;
    /** Partners' own ids: UUIDs, ULIDs and composite keys fit comfortably. */
    public static final int EXTERNAL_ID_LENGTH_MAX = 128;
    /** A transaction description: a sentence or two, as on a bank statement. */
    public static final int DESCRIPTION_LENGTH_MAX = 500;
    /** An idempotency key: UUIDs and partner-composed keys; Stripe allows 255 too. */
    public static final int IDEMPOTENCY_KEY_LENGTH_MAX = 255;
    /** The reason for a status change, for the audit trail. */
    public static final int REASON_LENGTH_MAX = 500;
    /** RFC 5321's limit on an email address. */
    public static final int EMAIL_LENGTH_MAX = 320;
    /** URLs beyond this are refused by common HTTP servers anyway. */
    public static final int URL_LENGTH_MAX = 2048;
    /** Metadata is for references, not documents: 8 KiB of JSON and 50 keys (Stripe allows 50 too). */
    public static final int METADATA_BYTES_MAX = 8 * 1024;
    public static final int METADATA_KEYS_MAX = 50;
    /** Page sizes: small enough for one quick query and response, large enough for bulk reads. */
    public static final int PAGE_SIZE_DEFAULT = 50;
    public static final int PAGE_SIZE_MAX = 200;

    /**
     * How long a hold reserves funds unless the partner says otherwise: a week covers a card
     * authorisation's usual life and a savings circle's weekly round.
     */
    public static final Duration HOLD_EXPIRY_DEFAULT = Duration.ofDays(7);
    /** Funds reserved for longer than a month are better moved to a wallet of their own. */
    public static final Duration HOLD_EXPIRY_MAX = Duration.ofDays(30);

    /**
     * The longest a movement's database transaction may run, from the moment its entries are
     * stamped to just before it commits; past this the engine rolls it back (SERVICE_UNAVAILABLE,
     * safe to retry). Honest movements take milliseconds; the bound is what makes past balances
     * final (below). Two lock waits of the default 5 s fit in it.
     */
    public static final Duration MOVEMENT_DURATION_MAX = Duration.ofSeconds(10);
    /**
     * A balance {@code asOf} a moment is final once that moment is this far in the past: an entry
     * is stamped before its transaction commits, so until every movement stamped before the
     * moment has committed or rolled back, a later read could see more. Six times
     * {@link #MOVEMENT_DURATION_MAX}, for the commit itself and for clock skew between replicas.
     */
    public static final Duration BALANCE_SETTLED_AFTER = Duration.ofSeconds(60);

    private Limits() {
    }

    /**
     * Transfers in one BatchCreateTransfers call at most. An atomic batch holds all its wallets'
     * locks until it commits, and a thousand transfers book in about a second on the 2-core machines
     * this runs on, well inside {@link #MOVEMENT_DURATION_MAX}; a thousand members of a few hundred
     * bytes each also stay well under the REST body limit of 1 MiB.
     */
    public static final int TRANSFER_BATCH_SIZE_MAX = 1_000;
}
