package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Text;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A keyset page request: how many items, and the id after which the page starts. Page tokens are
 * opaque to partners; inside they carry the last id of the previous page and a hash of the
 * filters, so a token replayed with other filters is refused rather than silently misread.
 */
public record PageRequest(int size, Optional<String> afterId, String filterKey) {
    private static final String VERSION = "p1";
    /** Ids are short; anything longer than this cannot be one of our tokens. */
    private static final int TOKEN_LENGTH_MAX = 200;
    /** What a page's last id can be: PayFlow's ids and statement sequence numbers are at most 64 of these. */
    private static final Pattern LAST_ID = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /**
     * @param pageSize  0 for the default, else 1..200
     * @param pageToken empty for the first page
     * @param filterKey a canonical text of the list's filters (including the parent resource)
     */
    public static PageRequest of(int pageSize, String pageToken, String filterKey) {
        int size = pageSize == 0 ? Limits.PAGE_SIZE_DEFAULT : pageSize;
        if (size < 1 || size > Limits.PAGE_SIZE_MAX) {
            throw PayflowException.of(ErrorReason.INVALID_PAGE_SIZE, "pageSize: %d (expected: 1..%d)", pageSize, Limits.PAGE_SIZE_MAX);
        }
        if (pageToken == null || pageToken.isEmpty()) {
            return new PageRequest(size, Optional.empty(), filterKey);
        }
        return new PageRequest(size, Optional.of(decode(pageToken, filterKey)), filterKey);
    }

    /** The token for the page after one that ended with {@code lastId}, which must be an id ({@link #isLastId}). */
    public String tokenAfter(String lastId) {
        // The paired check: what a token carries is checked where it is issued and again where it is read.
        if (!isLastId(lastId)) {
            throw new IllegalArgumentException("a page ends with an id or a sequence number, not: " + lastId);
        }
        String raw = VERSION + "." + filterHash(filterKey) + "." + lastId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String token, String filterKey) {
        if (token.length() > TOKEN_LENGTH_MAX) {
            throw invalid();
        }
        String raw;
        try {
            raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        String[] parts = raw.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION) || parts[2].isEmpty()) {
            throw invalid();
        }
        if (!parts[1].equals(filterHash(filterKey))) {
            throw PayflowException.of(ErrorReason.INVALID_PAGE_TOKEN, "pageToken was issued for a list with other filters");
        }
        // Tokens are not signed, so a partner can rewrite the last id: it must still look like one
        // of ours (an id, or a statement's sequence number), or the database would see what it cannot take.
        if (!isLastId(parts[2])) {
            throw invalid();
        }
        return parts[2];
    }

    /** Whether a page can end with this: PayFlow's ids and statement sequence numbers, never anything else. */
    public static boolean isLastId(String text) {
        return LAST_ID.matcher(text).matches();
    }

    private static PayflowException invalid() {
        return PayflowException.of(ErrorReason.INVALID_PAGE_TOKEN, "pageToken is not a token this API issued (expected: the nextPageToken of a previous page)");
    }

    /** 48 bits of the filters' digest: enough to tell filter sets apart, short enough for a token. */
    private static String filterHash(String filterKey) {
        return Text.sha256Hex(filterKey).substring(0, 12);
    }
}
