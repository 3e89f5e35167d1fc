package dev.payflow.facade;

import com.google.protobuf.Message;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.payflow.proto.v1.HoldServiceGrpc;
import dev.payflow.proto.v1.LedgerServiceGrpc;
import dev.payflow.proto.v1.PartnerAdminServiceGrpc;
import dev.payflow.proto.v1.PayoutServiceGrpc;
import dev.payflow.proto.v1.StripeWebhookServiceGrpc;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.WalletServiceGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.ServiceDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PayFlow's REST API: HTTP/JSON in, gRPC out, over a {@link Channel} to the core. The routes are
 * the {@code google.api.http} rules of the payflow/v1 services, derived at start-up; there is no
 * hand-written controller.
 *
 * <p>Inside core-service the channel is an in-process one, so every REST call passes the same
 * server interceptors (authentication, error mapping) as a gRPC call. Standalone ({@link
 * RestFacadeMain}) it is a network channel to a remote core, as Envoy would use.
 *
 * <pre>{@code
 * RestFacade facade = RestFacade.start(channel, new InetSocketAddress(8080));
 * ...
 * facade.close(); // drains in-flight requests; the channel stays open, it is the caller's
 * }</pre>
 */
public final class RestFacade implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RestFacade.class);

  /** The services whose http rules make the REST API. */
  static final List<ServiceDescriptor> SERVICES =
      List.of(
          WalletServiceGrpc.getServiceDescriptor(),
          LedgerServiceGrpc.getServiceDescriptor(),
          TransferServiceGrpc.getServiceDescriptor(),
          HoldServiceGrpc.getServiceDescriptor(),
          PayoutServiceGrpc.getServiceDescriptor(),
          StripeWebhookServiceGrpc.getServiceDescriptor(),
          PartnerAdminServiceGrpc.getServiceDescriptor());

  /**
   * Worker threads: each holds one request for the whole gRPC call, so this is the facade's
   * concurrency limit. 64 is far more than a small core serves at once (its database pool is the
   * real limit); the bound only bites when the core is stuck, and then keeps the facade from
   * starting a thread per waiting request.
   */
  static final int WORKER_THREADS = 64;

  /**
   * Requests that wait for a worker. Absorbs a burst; beyond it the JDK server closes the new
   * connection, which HTTP clients report as a retryable connection error.
   */
  static final int QUEUED_REQUESTS_MAX = 256;

  /**
   * How long {@link #close()} lets in-flight requests finish. Calls take milliseconds (the 30 s
   * deadline is for a stuck core); 20 s leaves room within Kubernetes' default 30 s grace period to
   * stop the core after the facade.
   */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);

  /** How long {@link #close()} waits for the worker threads to end after the server stopped. */
  private static final Duration WORKERS_STOP_TIMEOUT = Duration.ofSeconds(5);

  /** Longest path matched; no PayFlow path has more than 6 segments. */
  static final int PATH_SEGMENTS_MAX = 16;

  /** Backlog of the listening socket; 0 lets the operating system choose. */
  private static final int SOCKET_BACKLOG = 0;

  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final RouteTable routes;
  private final RequestTranscoder transcoder;
  private final UnaryCaller caller;
  private final RequestIds requestIds;
  private final InFlight inFlight = new InFlight();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RestFacade(
      HttpServer server,
      ThreadPoolExecutor workers,
      RouteTable routes,
      Channel channel,
      RequestIds requestIds) {
    this.server = server;
    this.workers = workers;
    this.routes = routes;
    this.transcoder = new RequestTranscoder(routes.routes());
    this.caller = new UnaryCaller(channel);
    this.requestIds = requestIds;
  }

  /**
   * Starts serving the PayFlow REST API on {@code bindAddress}, calling the core over {@code
   * channel}.
   *
   * @param channel the core's channel; the caller owns it and shuts it down after {@link #close()}
   * @param bindAddress where to listen; port 0 picks a free port (see {@link #port()})
   * @throws IOException if the address cannot be bound
   * @throws IllegalArgumentException if an http rule of the protos cannot be served
   */
  public static RestFacade start(Channel channel, InetSocketAddress bindAddress)
      throws IOException {
    return start(channel, bindAddress, SERVICES, new SecureRandom());
  }

  /** As {@link #start(Channel, InetSocketAddress)}, with the services and randomness chosen. */
  static RestFacade start(
      Channel channel,
      InetSocketAddress bindAddress,
      List<ServiceDescriptor> services,
      SecureRandom random)
      throws IOException {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(random, "random");
    RouteTable routes = RouteTable.fromServices(services);
    ThreadPoolExecutor workers =
        new ThreadPoolExecutor(
            WORKER_THREADS,
            WORKER_THREADS,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUED_REQUESTS_MAX),
            workerThreads());
    workers.allowCoreThreadTimeOut(true);
    HttpServer server = HttpServer.create(bindAddress, SOCKET_BACKLOG);
    RestFacade facade = new RestFacade(server, workers, routes, channel, new RequestIds(random));
    server.createContext("/", facade::handle);
    server.setExecutor(workers);
    server.start();
    log.info(
        "REST facade listening on {} with {} routes", server.getAddress(), routes.routes().size());
    return facade;
  }

  private static ThreadFactory workerThreads() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "payflow-rest-" + count.incrementAndGet());
      // Daemon: a forgotten close() must not keep the JVM alive; close() still drains them.
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The port the facade listens on (the chosen one, when started on port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops serving: new requests get 503 SERVICE_UNAVAILABLE, in-flight ones may finish for up to
   * {@link #DRAIN_TIMEOUT}, then the listener and all connections close. Idempotent. The channel is
   * left open.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Draining is done here rather than by HttpServer.stop(delay): on JDK 17 stop() waits the
    // whole delay even when nothing is in flight (seen on 17.0.15; JDK-8304065, fixed in 21),
    // which would slow every shutdown and every test by that delay.
    boolean drained = inFlight.closeAndAwaitIdle(DRAIN_TIMEOUT);
    if (!drained) {
      log.warn(
          "REST facade: requests still in flight after {}; closing their connections",
          DRAIN_TIMEOUT);
    }
    server.stop(0);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(WORKERS_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("REST facade stopped");
  }

  private void handle(HttpExchange exchange) {
    String requestId =
        requestIds.fromHeaderOrNew(
            exchange.getRequestHeaders().getFirst(RequestHeaders.REQUEST_ID));
    long startNanos = System.nanoTime();
    try {
      if (!inFlight.enter()) {
        ResponseWriter.writeFacadeError(
            exchange,
            FacadeException.unavailable("the REST facade is shutting down; retry"),
            requestId,
            null,
            true);
        return;
      }
      try {
        serve(exchange, requestId, startNanos);
      } finally {
        inFlight.exit();
      }
    } catch (IOException e) {
      // The client went away while the response was written; nothing left to tell it.
      log.debug("request {}: response not delivered: {}", requestId, e.toString());
    } finally {
      exchange.close();
    }
  }

  private void serve(HttpExchange exchange, String requestId, long startNanos) throws IOException {
    String method = exchange.getRequestMethod();
    HttpRoute route = null;
    try {
      List<String> segments = pathSegments(exchange.getRequestURI().getRawPath());
      RouteTable.Match match = routes.match(method, segments);
      if (match instanceof RouteTable.NotFound) {
        throw FacadeException.routeNotFound(
            "no API method at "
                + method
                + " "
                + EchoedText.quoted(exchange.getRequestURI().getRawPath()));
      }
      if (match instanceof RouteTable.MethodNotAllowed notAllowed) {
        ResponseWriter.writeFacadeError(
            exchange,
            FacadeException.methodNotAllowed(
                method
                    + " is not allowed here (expected: "
                    + String.join(", ", notAllowed.allowedMethods())
                    + ")"),
            requestId,
            notAllowed.allowedMethods(),
            false);
        logOutcome(method, null, 405, requestId, startNanos);
        return;
      }
      RouteTable.Found found = (RouteTable.Found) match;
      route = found.route();
      byte[] body = new byte[0];
      if (route.bodyMode() != HttpRoute.BodyMode.NONE) {
        requireIdentityEncoding(exchange.getRequestHeaders().getFirst("Content-Encoding"));
        body =
            RequestTranscoder.readBody(
                exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("Content-Length"));
      }
      Message request =
          transcoder.transcode(
              route,
              found.pathValues(),
              exchange.getRequestURI().getRawQuery(),
              body,
              exchange.getRequestHeaders().getFirst("Content-Type"));
      Metadata metadata = RequestHeaders.toMetadata(exchange.getRequestHeaders(), requestId);
      UnaryCaller.Result result = caller.call(route.grpcMethod(), request, metadata);
      if (result.status().isOk()) {
        ResponseWriter.writeMessage(exchange, result, requestId);
      } else {
        ResponseWriter.writeCallError(exchange, result, requestId);
      }
      logOutcome(method, route, exchange.getResponseCode(), requestId, startNanos);
    } catch (FacadeException e) {
      // An unread body (too large, or never needed) is drained by the JDK server up to its
      // limit, after which it closes the connection itself.
      ResponseWriter.writeFacadeError(exchange, e, requestId, null, false);
      logOutcome(method, route, e.httpStatus(), requestId, startNanos);
    } catch (RuntimeException e) {
      log.error("request {}: {} {} failed in the REST facade", requestId, method, route, e);
      if (exchange.getResponseCode() == -1) {
        ResponseWriter.writeFacadeError(
            exchange,
            FacadeException.internal("internal error; quote the request id"),
            requestId,
            null,
            true);
      }
    }
  }

  /** Splits and decodes the path; a path that is too long cannot match and gets 404. */
  private static List<String> pathSegments(String rawPath) {
    if (rawPath == null || !rawPath.startsWith("/")) {
      throw FacadeException.routeNotFound("no API method at this path");
    }
    String[] raw = rawPath.substring(1).split("/", -1);
    if (raw.length > PATH_SEGMENTS_MAX) {
      throw FacadeException.routeNotFound(
          "no API method at a path of "
              + raw.length
              + " segments (expected: at most "
              + PATH_SEGMENTS_MAX
              + ")");
    }
    List<String> segments = new ArrayList<>(raw.length);
    for (String segment : raw) {
      segments.add(PercentDecoding.decode(segment, "path"));
    }
    return segments;
  }

  private static void requireIdentityEncoding(String contentEncoding) {
    if (contentEncoding != null
        && !contentEncoding.isBlank()
        && !contentEncoding.trim().equalsIgnoreCase("identity")) {
      throw FacadeException.malformed(
          "Content-Encoding "
              + EchoedText.quoted(contentEncoding)
              + " (expected: none; send the body uncompressed)");
    }
  }

  /** One line per request, without bodies, query strings or headers (they hold secrets). */
  private static void logOutcome(
      String method, HttpRoute route, int httpStatus, String requestId, long startNanos) {
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    String target =
        route == null
            ? "(no route)"
            : route.template() + " " + route.grpcMethod().getBareMethodName();
    if (httpStatus >= 500) {
      log.warn("{} {} -> {} in {} ms, request {}", method, target, httpStatus, millis, requestId);
    } else {
      log.debug("{} {} -> {} in {} ms, request {}", method, target, httpStatus, millis, requestId);
    }
  }

  /** Counts requests in flight, and refuses new ones once closing. */
  private static final class InFlight {
    private int count;
    private boolean closing;

    synchronized boolean enter() {
      if (closing) {
        return false;
      }
      count++;
      return true;
    }

    synchronized void exit() {
      count--;
      if (count == 0) {
        notifyAll();
      }
    }

    /**
     * Refuses new requests and waits until none is in flight; false if the timeout passed first.
     */
    synchronized boolean closeAndAwaitIdle(Duration timeout) {
      closing = true;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (count > 0) {
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMillis <= 0) {
          return false;
        }
        try {
          wait(remainingMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }
}
