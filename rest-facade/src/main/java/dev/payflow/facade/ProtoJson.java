package dev.payflow.facade;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf JSON mapping as PayFlow's REST contract has it, plugged into Armeria's transcoding
 * as its JSON marshaller. Armeria's default marshaller leaves out fields that hold their default
 * value and prints compact JSON; the contract prints every field, also {@code false}, {@code 0}
 * and {@code ""} (as Envoy's {@code always_print_primitive_fields}), with protobuf's own
 * indentation, and prints integral numbers in metadata as integers.
 *
 * <p>Requests reach this parser only after {@link RequestChecks} has checked the body and the
 * query, so a failure here is a bug, not a bad request.
 */
final class ProtoJson implements GrpcJsonMarshaller {

  static final ProtoJson INSTANCE = new ProtoJson();

  /** Every field printed, also false, zero and empty ones, with lowerCamelCase names. */
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer()
          .usingTypeRegistry(ErrorBodies.DETAIL_TYPES)
          .alwaysPrintFieldsWithNoPresence();

  /** Unknown fields are ignored, as Envoy's transcoder does. */
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private ProtoJson() {}

  /** The message as the contract prints it. */
  static String print(Message message) {
    try {
      return JsonNumbers.integralNumbersAsIntegers(PRINTER.print(message));
    } catch (InvalidProtocolBufferException e) {
      // Only an Any of an unregistered type gets here; no PayFlow response holds one.
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getFullName(), e);
    }
  }

  /** Merges JSON into the builder with the contract's parser. */
  static void merge(String json, Message.Builder builder) throws InvalidProtocolBufferException {
    PARSER.merge(json, builder);
  }

  @Override
  public <T> void serializeMessage(Marshaller<T> marshaller, T message, OutputStream os)
      throws IOException {
    os.write(print((Message) message).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public <T> T deserializeMessage(Marshaller<T> marshaller, InputStream is) throws IOException {
    if (!(marshaller instanceof PrototypeMarshaller<T> prototypes)
        || !(prototypes.getMessagePrototype() instanceof Message prototype)) {
      throw new IllegalStateException("not a protobuf marshaller: " + marshaller);
    }
    Message.Builder builder = prototype.newBuilderForType();
    PARSER.merge(new InputStreamReader(is, StandardCharsets.UTF_8), builder);
    @SuppressWarnings("unchecked")
    T message = (T) builder.build();
    return message;
  }
}
