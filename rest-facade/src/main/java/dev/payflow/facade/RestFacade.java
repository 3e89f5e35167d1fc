package dev.payflow.facade;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.grpc.Channel;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API as an edge of its own, in front of a remote core: an Armeria server whose gRPC
 * services forward every call over a {@link Channel} ({@link GrpcForwarder}), transcoded by the
 * same {@link RestApi} that core-service mounts in process. Errors and their details pass through
 * unchanged.
 *
 * <pre>{@code
 * RestFacade facade = RestFacade.start(channel, new InetSocketAddress(8080));
 * ...
 * facade.close(); // drains in-flight requests; the channel stays open, it is the caller's
 * }</pre>
 */
public final class RestFacade implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RestFacade.class);

  private final Server server;

  private RestFacade(Server server) {
    this.server = server;
  }

  /**
   * Starts serving the PayFlow REST API on {@code bindAddress}, calling the core over {@code
   * channel}.
   *
   * @param channel the core's channel; the caller owns it and shuts it down after {@link #close()}
   * @param bindAddress where to listen; port 0 picks a free port (see {@link #port()})
   * @throws IllegalArgumentException if an http rule of the protos cannot be served
   */
  public static RestFacade start(Channel channel, InetSocketAddress bindAddress) {
    return start(channel, bindAddress, new SecureRandom());
  }

  /** As {@link #start(Channel, InetSocketAddress)}, with the randomness of request ids chosen. */
  static RestFacade start(Channel channel, InetSocketAddress bindAddress, SecureRandom random) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(bindAddress, "bindAddress");
    ServerBuilder builder = Listeners.rest(Server.builder().http(bindAddress));
    RestApi.over(GrpcForwarder.to(channel), random).mountOn(builder);
    Server server = builder.build();
    server.start().join();
    log.info("REST facade listening on port {}", server.activeLocalPort());
    return new RestFacade(server);
  }

  /** The port the facade listens on (the chosen one, when started on port 0). */
  public int port() {
    return server.activeLocalPort();
  }

  /** Blocks until {@link #close()} has stopped the server. */
  public void awaitClosed() {
    server.whenClosed().join();
  }

  /**
   * Stops serving: in-flight requests may finish for up to {@link Listeners#DRAIN_TIMEOUT}, then
   * the listener and all connections close. Idempotent. The channel is left open.
   */
  @Override
  public void close() {
    server.stop().join();
    log.info("REST facade stopped");
  }
}
