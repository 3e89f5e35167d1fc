package dev.payflow.facade;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one unary call and keeps what the HTTP response needs: the status, the response message,
 * and the response headers and trailers (which carry {@code grpc-status-details-bin} and any
 * headers the core wants the caller to see).
 */
final class UnaryCaller {

  /**
   * Deadline of every call to the core. PayFlow calls take milliseconds; a gateway call inside
   * CreditWallet can take a few seconds. 30 s is well past both, and below the 60 s after which
   * common HTTP clients and load balancers give up anyway.
   */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  /**
   * How much longer than the deadline the facade waits for the call to close by itself. gRPC closes
   * it at the deadline; this only guards against a transport that never reports back.
   */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  /** The outcome of a call. {@code response} is null unless {@code status} is OK. */
  record Result(Status status, Message response, Metadata headers, Metadata trailers) {}

  private final Channel channel;

  UnaryCaller(Channel channel) {
    this.channel = Objects.requireNonNull(channel, "channel");
  }

  /** Calls {@code method} and waits for its outcome, which is never an exception. */
  Result call(MethodDescriptor<Message, Message> method, Message request, Metadata metadata) {
    ClientCall<Message, Message> call =
        channel.newCall(
            method,
            CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
    CompletableFuture<Result> outcome = new CompletableFuture<>();
    try {
      call.start(new Listener(outcome), metadata);
      // Two, as grpc-java's own unary calls ask: a second message would be a protocol error.
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException e) {
      call.cancel("the REST facade failed to send the request", e);
      throw e;
    }
    try {
      return outcome.get(CALL_DEADLINE.plus(CLOSE_GRACE).toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel("the call did not close after its deadline", null);
      return failed(Status.DEADLINE_EXCEEDED.withDescription("the core did not answer in time"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel("the REST facade is stopping", null);
      return failed(Status.CANCELLED.withDescription("the REST facade is stopping"));
    } catch (ExecutionException e) {
      throw new IllegalStateException("the call listener never fails its future", e);
    }
  }

  private static Result failed(Status status) {
    return new Result(status, null, new Metadata(), new Metadata());
  }

  private static final class Listener extends ClientCall.Listener<Message> {
    private final CompletableFuture<Result> outcome;
    private Metadata headers = new Metadata();
    private Message response;

    Listener(CompletableFuture<Result> outcome) {
      this.outcome = outcome;
    }

    @Override
    public void onHeaders(Metadata headers) {
      this.headers = headers;
    }

    @Override
    public void onMessage(Message message) {
      if (response != null) {
        throw Status.INTERNAL
            .withDescription("the core sent two responses to a unary call")
            .asRuntimeException();
      }
      response = message;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (status.isOk() && response == null) {
        status = Status.INTERNAL.withDescription("the core closed the call without a response");
      }
      outcome.complete(new Result(status, status.isOk() ? response : null, headers, trailers));
    }
  }
}
