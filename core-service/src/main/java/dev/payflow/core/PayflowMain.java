package dev.payflow.core;

import dev.payflow.core.config.PayflowConfig;
import dev.payflow.core.server.PayflowServer;

/** Starts PayFlow in one process, configured by environment variables (see README.md). */
public final class PayflowMain {
    private PayflowMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        PayflowConfig config;
        try {
            config = PayflowConfig.fromEnvironment(System.getenv());
        } catch (PayflowConfig.ConfigException e) {
            System.err.println("payflow: " + e.getMessage());
            System.exit(2);
            return;
        }
        PayflowServer server = PayflowServer.start(config);
        // SIGTERM and Ctrl-C: drain in-flight calls, then stop the database.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "payflow-shutdown"));
        server.awaitTermination();
    }
}
