package dev.payflow.facade;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The facade as its own process, in front of a remote core: {@code java -jar
 * payflow-rest-facade-<version>-standalone.jar}.
 *
 * <p>Environment: {@code PAYFLOW_HTTP_PORT} (default 8080) and {@code PAYFLOW_CORE_GRPC_TARGET}
 * (default {@code localhost:9090}, any gRPC target such as {@code dns:///core:9090}). Stops cleanly
 * on SIGTERM: in-flight requests finish, then the channel closes.
 */
public final class RestFacadeMain {

  private static final Logger log = LoggerFactory.getLogger(RestFacadeMain.class);

  static final int DEFAULT_HTTP_PORT = 8080;
  static final String DEFAULT_CORE_TARGET = "localhost:9090";

  /** How long the channel may take to finish its calls after the facade has drained. */
  private static final Duration CHANNEL_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  /** The settings read from the environment. */
  record Settings(int httpPort, String coreTarget) {

    /**
     * @throws IllegalArgumentException naming the variable, its value and what is expected
     */
    static Settings fromEnvironment(Map<String, String> environment) {
      Objects.requireNonNull(environment, "environment");
      String portText = environment.getOrDefault("PAYFLOW_HTTP_PORT", "").trim();
      int port = DEFAULT_HTTP_PORT;
      if (!portText.isEmpty()) {
        try {
          port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
          port = -1;
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException(
              "PAYFLOW_HTTP_PORT: \"" + portText + "\" (expected: an integer 1..65535)");
        }
      }
      String target = environment.getOrDefault("PAYFLOW_CORE_GRPC_TARGET", "").trim();
      return new Settings(port, target.isEmpty() ? DEFAULT_CORE_TARGET : target);
    }
  }

  private RestFacadeMain() {}

  public static void main(String[] args) {
    Settings settings = Settings.fromEnvironment(System.getenv());
    // Plaintext: inside a cluster the link to the core is private (or a mesh adds TLS).
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(settings.coreTarget()).usePlaintext().build();
    RestFacade facade;
    try {
      facade = RestFacade.start(channel, new InetSocketAddress(settings.httpPort()));
    } catch (RuntimeException e) {
      channel.shutdownNow();
      throw e;
    }
    log.info(
        "REST facade on port {} in front of the core at {}", facade.port(), settings.coreTarget());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping the REST facade");
                  facade.close();
                  shutDown(channel);
                },
                "payflow-rest-shutdown"));
    // Armeria's threads are daemons: wait here until the hook has stopped the server.
    facade.awaitClosed();
  }

  private static void shutDown(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(CHANNEL_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
