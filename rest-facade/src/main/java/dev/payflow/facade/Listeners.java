package dev.payflow.facade;

import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.ServerBuilder;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits every PayFlow listener runs with, so that slow or numerous clients cannot stall a
 * port: Armeria never gives a thread to a connection, and these bound what a connection may hold.
 * A connection that sends half a request and stalls is closed by the idle timeout; a body that
 * trickles in is cut by the request timeout; headers and bodies have a size limit; the number of
 * connections is capped; shutdown lets in-flight calls finish, then closes.
 */
public final class Listeners {

  /**
   * Idle connections (also one whose request line or headers stall) are closed after 15 s: longer
   * than any client's pause between two requests of a burst, short enough that stalled sockets do
   * not pile up.
   */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(15);

  /**
   * From the request headers to the last byte of the response. Calls take milliseconds; 30 s is
   * for a stuck database, and also bounds how slowly a body may arrive.
   */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Connections per listener. Far above what one instance serves (its database pool is the real
   * limit), low enough that file descriptors never run out.
   */
  public static final int CONNECTIONS_MAX = 4096;

  /**
   * The management port serves a scraper and a few probes, but a cap it reaches would refuse the
   * next probe until the idle timeout frees a connection: well above what stalled or leaked
   * clients plausibly hold, still bounded.
   */
  public static final int MANAGEMENT_CONNECTIONS_MAX = 1024;

  /** Largest management request: a GET with a few headers. */
  public static final int MANAGEMENT_REQUEST_BYTES_MAX = 4 * 1024;

  /**
   * Largest gRPC request: grpc-java's own default message limit (4 MiB), framed. PayFlow's largest
   * request is a few KiB.
   */
  public static final int GRPC_REQUEST_BYTES_MAX = 4 * 1024 * 1024;

  /**
   * gRPC clients keep their HTTP/2 connection between calls and ping it: a longer idle timeout
   * than HTTP/1 partners get, so channels are not torn down between two bursts.
   */
  public static final Duration GRPC_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How long shutdown lets in-flight calls finish before it closes their connections: within
   * Kubernetes' default 30 s grace period, with room to stop the database after.
   */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);

  /**
   * The HTTP/2 header list Netty accepts on the REST listener: 64 KiB, eight times {@link
   * RestApi#HEADER_BYTES_MAX}. Over HTTP/2, Netty itself answers a longer list with a bare 431 and
   * no body, before Armeria or our error bodies see the request; so the contract's 8 KiB is
   * checked by {@link RequestChecks} (400 MALFORMED_REQUEST with a Status body), and only a list
   * beyond this hard ceiling gets Netty's bare 431. It bounds the memory one stream's headers take.
   */
  static final int HTTP2_HEADER_LIST_BYTES_CEILING = 64 * 1024;

  private Listeners() {}

  /** A public HTTP/1.1 and HTTP/2 listener for JSON: REST and admin. */
  public static ServerBuilder rest(ServerBuilder server) {
    return common(server)
        .idleTimeout(IDLE_TIMEOUT)
        .requestTimeout(REQUEST_TIMEOUT)
        .maxNumConnections(CONNECTIONS_MAX)
        .maxRequestLength(RestApi.BODY_BYTES_MAX)
        .http1MaxHeaderSize(RestApi.HEADER_BYTES_MAX)
        .http2MaxHeaderListSize(HTTP2_HEADER_LIST_BYTES_CEILING);
  }

  /** The gRPC listener. */
  public static ServerBuilder grpc(ServerBuilder server) {
    return common(server)
        .idleTimeout(GRPC_IDLE_TIMEOUT)
        .requestTimeout(REQUEST_TIMEOUT)
        .maxNumConnections(CONNECTIONS_MAX)
        .maxRequestLength(GRPC_REQUEST_BYTES_MAX)
        .http1MaxHeaderSize(RestApi.HEADER_BYTES_MAX)
        .http2MaxHeaderListSize(RestApi.HEADER_BYTES_MAX);
  }

  /**
   * The management listener: metrics, health, readiness. On an event loop of its own (the API
   * listeners share Armeria's common worker group), so that a saturated API, whose event loops
   * are all busy, cannot hold up a probe or a scrape; stopped with the listener.
   */
  public static ServerBuilder management(ServerBuilder server) {
    return common(server)
        .workerGroup(EventLoopGroups.newEventLoopGroup(1, "payflow-management", true), true)
        .idleTimeout(IDLE_TIMEOUT)
        .requestTimeout(Duration.ofSeconds(10))
        .maxNumConnections(MANAGEMENT_CONNECTIONS_MAX)
        .maxRequestLength(MANAGEMENT_REQUEST_BYTES_MAX)
        .http1MaxHeaderSize(RestApi.HEADER_BYTES_MAX);
  }

  private static ServerBuilder common(ServerBuilder server) {
    Objects.requireNonNull(server, "server");
    return server
        // No quiet period: stop as soon as nothing is in flight (tests and deploys alike).
        .gracefulShutdownTimeout(Duration.ZERO, DRAIN_TIMEOUT)
        // Armeria's own "server" header and date add nothing for a partner.
        .disableServerHeader();
  }
}
