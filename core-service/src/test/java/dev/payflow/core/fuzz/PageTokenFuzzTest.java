package dev.payflow.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.payflow.core.app.PageRequest;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Limits;
import dev.payflow.core.domain.PayflowException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Page tokens, {@link PageRequest#of}: any page size and token text is either a page request or
 * INVALID_PAGE_SIZE / INVALID_PAGE_TOKEN, never another exception; a token the API issued reads
 * back as the id it was issued after, and only for the filters it was issued for.
 */
class PageTokenFuzzTest {
    private static final String[] FILTERS = {"wallets|ptn_1|sandbox|", "wallets|ptn_1|sandbox|user-7", "transactions|wal_1|", ""};

    @FuzzTest(maxDuration = "2m")
    void of(byte[] data) {
        FuzzBytes input = new FuzzBytes(data);
        int pageSize = switch (input.choice(4)) {
            case 0 -> 0;
            case 1 -> input.choice(256) - 20;
            case 2 -> (input.choice(256) << 24) | (input.choice(256) << 16) | (input.choice(256) << 8) | input.choice(256);
            default -> 1 + input.choice(Limits.PAGE_SIZE_MAX);
        };
        String filters = FILTERS[input.choice(FILTERS.length)];
        String otherFilters = FILTERS[input.choice(FILTERS.length)];
        boolean asIssuedToken = input.choice(2) == 0;
        String text = input.restAsText();

        // Any text as a token.
        try {
            PageRequest page = PageRequest.of(pageSize, text, filters);
            assertThat(page.size()).isBetween(1, Limits.PAGE_SIZE_MAX);
            assertThat(page.afterId().isPresent()).isEqualTo(!text.isEmpty());
        } catch (PayflowException refused) {
            assertThat(refused.reason()).isIn(ErrorReason.INVALID_PAGE_SIZE, ErrorReason.INVALID_PAGE_TOKEN);
        }

        // The text as the last id of a page: the token issued after it reads back as it, for its own
        // filters only. Pages end with ids (at most 64 of [A-Za-z0-9_]); tokenAfter refuses anything
        // else, so a token can never carry what of() would refuse (the first long run found tokens
        // longer than of() accepts for 133-byte ids, seed-07-long-non-ascii-id; and a NUL reached
        // PostgreSQL through a rewritten token).
        if (asIssuedToken && !PageRequest.isLastId(text)) {
            assertThatThrownBy(() -> PageRequest.of(0, "", filters).tokenAfter(text)).isInstanceOf(IllegalArgumentException.class);
        }
        if (asIssuedToken && PageRequest.isLastId(text)) {
            String token = PageRequest.of(0, "", filters).tokenAfter(text);
            assertThat(PageRequest.of(0, token, filters).afterId()).contains(text);
            if (!otherFilters.equals(filters)) {
                try {
                    PageRequest.of(0, token, otherFilters);
                    throw new AssertionError("a token of " + filters + " was read for " + otherFilters);
                } catch (PayflowException refused) {
                    assertThat(refused.reason()).isEqualTo(ErrorReason.INVALID_PAGE_TOKEN);
                }
            }
        }
    }

    @Test
    void ofOnSeededMutationsOfTheCorpus() {
        BoundedFuzz.run(PageTokenFuzzTest.class, "of", BoundedFuzz.seed(), BoundedFuzz.DOMAIN_EXECUTIONS, this::of);
    }

    /** Used to write the corpus: a real token, base64 of {@code p1.<filter hash>.<id>}. */
    static String issued(String filters, String id) {
        String token = PageRequest.of(0, "", filters).tokenAfter(id);
        assertThat(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8)).startsWith("p1.");
        return token;
    }
}
