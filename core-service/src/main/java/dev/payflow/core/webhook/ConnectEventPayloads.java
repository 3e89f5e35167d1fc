package dev.payflow.core.webhook;

import dev.payflow.core.domain.ConnectedAccount;

/** How a connected account's event data is printed: by the API, exactly as a GET of the account prints it. */
public interface ConnectEventPayloads {
    String account(ConnectedAccount account);
}
