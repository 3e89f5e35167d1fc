package dev.payflow.facade;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistry;
import com.google.api.AnnotationsProto;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC services that forward every call, unchanged, to a core over a {@link Channel}: the
 * standalone edge's stand-in for the real services, so the same Armeria transcoding serves the REST
 * API in front of a remote core. The services are read from the descriptor set the proto module
 * builds (the one Envoy uses), so a service added to the contract is forwarded without a change
 * here. Request metadata, response headers, status and trailers (with {@code
 * grpc-status-details-bin}) pass through as they are.
 */
final class GrpcForwarder {

  private static final Logger log = LoggerFactory.getLogger(GrpcForwarder.class);

  /** The descriptor set inside the proto jar. */
  static final String DESCRIPTOR_SET = "descriptor/payflow.pb";

  /** Only the contract's own services: the set also holds google/api and friends. */
  private static final String PACKAGE_PREFIX = "payflow.";

  /**
   * Deadline of every call to the core. Calls take milliseconds; this is for a stuck core, and
   * matches the REST listener's request timeout.
   */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  /**
   * Request metadata not forwarded: what the transport of the next hop sets itself, and HTTP/1
   * headers that describe this hop only.
   */
  private static final Set<String> NOT_FORWARDED =
      Set.of("content-type", "content-length", "te", "user-agent", "host", "accept-encoding",
          "connection", "keep-alive", "transfer-encoding", "upgrade", "http2-settings");

  private GrpcForwarder() {}

  /** One forwarding definition per payflow service of the descriptor set. */
  static List<ServerServiceDefinition> to(Channel channel) {
    Objects.requireNonNull(channel, "channel");
    List<ServerServiceDefinition> definitions = new ArrayList<>();
    for (FileDescriptor file : contractFiles()) {
      for (ServiceDescriptor service : file.getServices()) {
        definitions.add(forward(channel, service));
      }
    }
    if (definitions.isEmpty()) {
      throw new IllegalStateException(DESCRIPTOR_SET + " holds no " + PACKAGE_PREFIX + "* service");
    }
    return List.copyOf(definitions);
  }

  /** The payflow files of the descriptor set, linked against the generated classes where present. */
  static List<FileDescriptor> contractFiles() {
    FileDescriptorSet set;
    ExtensionRegistry extensions = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(extensions);
    try (InputStream in = GrpcForwarder.class.getClassLoader().getResourceAsStream(DESCRIPTOR_SET)) {
      if (in == null) {
        throw new IllegalStateException(DESCRIPTOR_SET + " is not on the class path");
      }
      set = FileDescriptorSet.parseFrom(in, extensions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DESCRIPTOR_SET, e);
    }
    Map<String, FileDescriptorProto> byName = new HashMap<>();
    set.getFileList().forEach(file -> byName.put(file.getName(), file));
    Map<String, FileDescriptor> resolved = new HashMap<>();
    List<FileDescriptor> contract = new ArrayList<>();
    for (FileDescriptorProto file : set.getFileList()) {
      FileDescriptor descriptor = resolve(file.getName(), byName, resolved);
      if (descriptor.getPackage().startsWith(PACKAGE_PREFIX)) {
        contract.add(descriptor);
      }
    }
    return contract;
  }

  /**
   * The file's descriptor: the generated class's own when it is on the class path (so that {@code
   * google.api.HttpBody} is the very descriptor Armeria compares with to pass a raw body), else
   * built from the set.
   */
  private static FileDescriptor resolve(
      String name, Map<String, FileDescriptorProto> byName, Map<String, FileDescriptor> resolved) {
    FileDescriptor done = resolved.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = byName.get(name);
    if (proto == null) {
      throw new IllegalStateException(DESCRIPTOR_SET + " lacks " + name);
    }
    FileDescriptor descriptor = generated(proto);
    if (descriptor == null) {
      List<FileDescriptor> dependencies = new ArrayList<>();
      for (String dependency : proto.getDependencyList()) {
        dependencies.add(resolve(dependency, byName, resolved));
      }
      try {
        descriptor = FileDescriptor.buildFrom(proto, dependencies.toArray(new FileDescriptor[0]));
      } catch (DescriptorValidationException e) {
        throw new IllegalStateException(DESCRIPTOR_SET + ": " + name + " does not link", e);
      }
    }
    resolved.put(name, descriptor);
    return descriptor;
  }

  private static FileDescriptor generated(FileDescriptorProto proto) {
    if (!proto.getOptions().hasJavaOuterClassname()) {
      return null;
    }
    String javaPackage =
        proto.getOptions().hasJavaPackage() ? proto.getOptions().getJavaPackage() : proto.getPackage();
    String className = javaPackage + "." + proto.getOptions().getJavaOuterClassname();
    try {
      Object descriptor = Class.forName(className).getMethod("getDescriptor").invoke(null);
      return descriptor instanceof FileDescriptor file && file.getName().equals(proto.getName())
          ? file
          : null;
    } catch (ReflectiveOperationException | LinkageError e) {
      log.debug("no generated class {} for {}; building it from the descriptor set", className, proto.getName());
      return null;
    }
  }

  private static ServerServiceDefinition forward(Channel channel, ServiceDescriptor service) {
    io.grpc.ServiceDescriptor.Builder grpcService =
        io.grpc.ServiceDescriptor.newBuilder(service.getFullName())
            .setSchemaDescriptor(new Schema(service, null));
    List<io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage>> methods = new ArrayList<>();
    for (MethodDescriptor method : service.getMethods()) {
      io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod =
          io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
              .setType(methodType(method))
              .setFullMethodName(
                  io.grpc.MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName()))
              .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
              .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
              .setSchemaDescriptor(new Schema(service, method))
              .build();
      methods.add(grpcMethod);
      grpcService.addMethod(grpcMethod);
    }
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(grpcService.build());
    methods.forEach(method -> definition.addMethod(method, new Forward<>(channel, method)));
    return definition.build();
  }

  private static io.grpc.MethodDescriptor.MethodType methodType(MethodDescriptor method) {
    if (method.isClientStreaming()) {
      return method.isServerStreaming()
          ? io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING
          : io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING;
    }
    return method.isServerStreaming()
        ? io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING
        : io.grpc.MethodDescriptor.MethodType.UNARY;
  }

  /** The proto descriptors of a forwarded service and method, where Armeria looks for them. */
  private record Schema(ServiceDescriptor service, MethodDescriptor method)
      implements ProtoFileDescriptorSupplier, ProtoServiceDescriptorSupplier, ProtoMethodDescriptorSupplier {

    @Override
    public FileDescriptor getFileDescriptor() {
      return service.getFile();
    }

    @Override
    public ServiceDescriptor getServiceDescriptor() {
      return service;
    }

    @Override
    public MethodDescriptor getMethodDescriptor() {
      return method;
    }
  }

  /** Relays one call to the core: metadata in, headers, messages, status and trailers back. */
  private static final class Forward<Q, R> implements ServerCallHandler<Q, R> {
    private final Channel channel;
    private final io.grpc.MethodDescriptor<Q, R> method;

    Forward(Channel channel, io.grpc.MethodDescriptor<Q, R> method) {
      this.channel = channel;
      this.method = method;
    }

    @Override
    public ServerCall.Listener<Q> startCall(ServerCall<Q, R> serverCall, Metadata headers) {
      ClientCall<Q, R> clientCall =
          channel.newCall(
              method,
              CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
      clientCall.start(
          new ClientCall.Listener<R>() {
            @Override
            public void onHeaders(Metadata responseHeaders) {
              serverCall.sendHeaders(responseHeaders);
            }

            @Override
            public void onMessage(R message) {
              serverCall.sendMessage(message);
              clientCall.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              serverCall.close(status, trailers);
            }

            @Override
            public void onReady() {
              // Unary calls: one message each way, no flow control to relay.
            }
          },
          forwarded(headers));
      clientCall.request(1);
      serverCall.request(1);
      return new ServerCall.Listener<Q>() {
        @Override
        public void onMessage(Q message) {
          clientCall.sendMessage(message);
          serverCall.request(1);
        }

        @Override
        public void onHalfClose() {
          clientCall.halfClose();
        }

        @Override
        public void onCancel() {
          clientCall.cancel("the caller cancelled", null);
        }
      };
    }

    private static Metadata forwarded(Metadata incoming) {
      Metadata outgoing = new Metadata();
      for (String name : incoming.keys()) {
        if (name.startsWith("grpc-") || name.startsWith(":") || NOT_FORWARDED.contains(name)) {
          continue;
        }
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          Metadata.Key<byte[]> key = Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
          incoming.getAll(key).forEach(value -> outgoing.put(key, value));
        } else {
          Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
          incoming.getAll(key).forEach(value -> outgoing.put(key, value));
        }
      }
      return outgoing;
    }
  }
}
