package dev.payflow.core.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.payflow.core.app.ConnectAccounts;
import dev.payflow.core.gateway.SimulatedConnect;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The pages PayFlow serves for Connect onboarding, on the public REST listener: where the gateway
 * sends an account holder back when the partner gave no URL of its own ({@code return},
 * {@code refresh}), and the simulated onboarding of sandbox accounts without Stripe, which makes
 * the account active when it is followed. Plain pages that echo nothing the caller sent.
 */
final class ConnectPages {
    /** Longer than any id we make; a longer path is not one of ours. */
    private static final int ACCOUNT_ID_LENGTH_MAX = 128;

    private ConnectPages() {
    }

    static void mountOn(ServerBuilder rest, ConnectAccounts accounts) {
        rest.service(ConnectAccounts.RETURN_PATH, (ctx, req) -> page(HttpStatus.OK, "Onboarding finished",
                "Thank you. You can close this page and go back to the app."));
        rest.service(ConnectAccounts.REFRESH_PATH, (ctx, req) -> page(HttpStatus.OK, "This link has expired",
                "Go back to the app and start onboarding again to get a fresh link."));
        rest.serviceUnder(SimulatedConnect.ONBOARDING_PATH, (ctx, req) -> onBlockingThread(ctx, () -> {
            String accountId = ctx.mappedPath().startsWith("/") ? ctx.mappedPath().substring(1) : ctx.mappedPath();
            if (accountId.isEmpty() || accountId.length() > ACCOUNT_ID_LENGTH_MAX || !accountId.matches("[A-Za-z0-9_]+")) {
                return page(HttpStatus.NOT_FOUND, "Not found", "No such onboarding link.");
            }
            Optional<String> completed = accounts.completeSimulatedOnboarding(accountId);
            return completed.isPresent()
                    ? page(HttpStatus.OK, "Onboarding finished (simulated)",
                            "This sandbox account is now active: charges and payouts are enabled. You can close this page.")
                    : page(HttpStatus.NOT_FOUND, "Not found", "No such onboarding link.");
        }));
    }

    private static HttpResponse onBlockingThread(ServiceRequestContext ctx, java.util.function.Supplier<HttpResponse> response) {
        return HttpResponse.of(CompletableFuture.supplyAsync(response, ctx.blockingTaskExecutor()));
    }

    private static HttpResponse page(HttpStatus status, String title, String text) {
        return HttpResponse.of(status, MediaType.HTML_UTF_8, "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>");
    }
}
