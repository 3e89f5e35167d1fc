package dev.payflow.core.api;

import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.webhook.ConnectEventPayloads;

/** A connected account's event data: the account exactly as a GET of it prints it. */
public final class ConnectEventJson implements ConnectEventPayloads {
    @Override
    public String account(ConnectedAccount account) {
        return LedgerEventJson.print(ConnectMapping.account(account));
    }
}
