package dev.payflow.core.app;

import dev.payflow.core.domain.Page;
import java.util.List;
import java.util.function.Function;

/** Turns "one more row than the page size" into a page and its next token. */
final class Pages {
    private Pages() {
    }

    static <T> Page<T> of(List<T> rowsPlusOne, PageRequest request, Function<T, String> idOf) {
        if (rowsPlusOne.size() <= request.size()) {
            return new Page<>(rowsPlusOne, "");
        }
        List<T> items = rowsPlusOne.subList(0, request.size());
        return new Page<>(items, request.tokenAfter(idOf.apply(items.get(items.size() - 1))));
    }
}
