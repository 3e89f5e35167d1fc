package dev.payflow.core.domain;

import java.util.List;
import java.util.Objects;

/**
 * One leg of a money movement before it is written: an account (a wallet or a system account)
 * and a signed amount. {@link #requireBalanced} is the double-entry rule, checked where money moves.
 */
public record Posting(Account account, long amountMinor) {
    public Posting {
        Objects.requireNonNull(account, "account");
        if (amountMinor == 0) {
            throw new IllegalArgumentException("a posting moves money: amountMinor must not be 0");
        }
    }

    /** Either a partner wallet or one of PayFlow's system accounts. */
    public sealed interface Account {
    }

    public record WalletAccount(String walletId) implements Account {
    }

    public record SystemAccount(String systemAccountId) implements Account {
    }

    /** The legs, if they sum to zero; otherwise an error that must stop the transaction (a bug, never partner input). */
    public static List<Posting> requireBalanced(List<Posting> postings) {
        if (postings.size() < 2) {
            throw new IllegalStateException("a transaction needs at least two postings: " + postings);
        }
        long sum = 0;
        for (Posting posting : postings) {
            sum = Math.addExact(sum, posting.amountMinor());
        }
        if (sum != 0) {
            throw new IllegalStateException("postings do not balance (sum " + sum + "): " + postings);
        }
        return List.copyOf(postings);
    }
}
