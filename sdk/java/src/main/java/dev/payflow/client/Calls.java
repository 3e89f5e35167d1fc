package dev.payflow.client;

import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.payflow.proto.v1.IdempotencyProto;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * How every unary call is made: with the client's deadline per attempt, one idempotency key per
 * call for the RPCs the contract marks {@code (payflow.v1.idempotent)} (generated when the caller
 * gives none, and the same on every retry of the call), and retries by the {@link RetryPolicy}.
 * What is idempotent is read from the method's descriptor, never from a list here, so a new
 * money-moving RPC is covered once its proto marks it.
 */
final class Calls {

  /** Waits between attempts; tests pass one that records the waits instead of sleeping. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private static final ExtensionRegistry EXTENSIONS = ExtensionRegistry.newInstance();

  static {
    IdempotencyProto.registerAllExtensions(EXTENSIONS);
  }

  private final Channel channel;
  private final Duration deadline;
  private final RetryPolicy retry;
  private final Sleeper sleeper;
  private final RandomGenerator random;
  /** Per method: its idempotency_key field if it is marked idempotent, else empty. */
  private final Map<String, Optional<FieldDescriptor>> idempotencyKeyFields = new ConcurrentHashMap<>();

  Calls(Channel channel, Duration deadline, RetryPolicy retry, Sleeper sleeper, RandomGenerator random) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.random = Objects.requireNonNull(random, "random");
  }

  Calls withDeadline(Duration newDeadline) {
    return new Calls(channel, newDeadline, retry, sleeper, random);
  }

  <Q extends Message, R> R unary(MethodDescriptor<Q, R> method, Q request) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(request, "request");
    Q sent = withIdempotencyKey(method, request);
    for (int attempt = 0; ; attempt++) {
      try {
        return ClientCalls.blockingUnaryCall(
            channel, method, CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS), sent);
      } catch (StatusRuntimeException e) {
        PayFlowException failure = PayFlowException.from(e);
        if (attempt >= retry.maxRetries() || !RetryPolicy.isRetryable(failure)) {
          throw failure;
        }
        try {
          sleeper.sleep(retry.backoff(attempt + 1, failure, random));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw failure;
        }
      }
    }
  }

  /** The request with an idempotency key, if its method is idempotent and the caller gave none. */
  @SuppressWarnings("unchecked")
  private <Q extends Message> Q withIdempotencyKey(MethodDescriptor<Q, ?> method, Q request) {
    Optional<FieldDescriptor> key =
        idempotencyKeyFields.computeIfAbsent(method.getFullMethodName(), name -> keyField(method));
    if (key.isEmpty() || !((String) request.getField(key.get())).isEmpty()) {
      return request;
    }
    return (Q) request.toBuilder().setField(key.get(), newIdempotencyKey()).build();
  }

  static String newIdempotencyKey() {
    return "sdk_" + UUID.randomUUID();
  }

  private static Optional<FieldDescriptor> keyField(MethodDescriptor<?, ?> method) {
    if (!(method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier supplier)) {
      return Optional.empty();
    }
    com.google.protobuf.Descriptors.MethodDescriptor proto = supplier.getMethodDescriptor();
    if (!isIdempotent(proto.getOptions())) {
      return Optional.empty();
    }
    FieldDescriptor field = proto.getInputType().findFieldByName("idempotency_key");
    if (field == null || field.getJavaType() != FieldDescriptor.JavaType.STRING || field.isRepeated()) {
      throw new IllegalStateException(proto.getFullName() + " is marked idempotent but has no string idempotency_key");
    }
    return Optional.of(field);
  }

  static boolean isIdempotent(MethodOptions options) {
    if (options.hasExtension(IdempotencyProto.idempotent)) {
      return options.getExtension(IdempotencyProto.idempotent);
    }
    try {
      // Options parsed before the extension was known keep it as an unknown field.
      return MethodOptions.parseFrom(options.toByteString(), EXTENSIONS).getExtension(IdempotencyProto.idempotent);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable method options", e);
    }
  }
}
