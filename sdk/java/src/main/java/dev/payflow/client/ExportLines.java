package dev.payflow.client;

import com.google.api.HttpBody;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.proto.v1.ExportTransactionsResponseLine;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The items of a JSON-lines export (an RPC answering {@code google.api.HttpBody} of {@code
 * application/x-ndjson}), fetched page by page as they are iterated: every line but the last is an
 * item as its GET answers it, the last is {@code {"nextPageToken": "..."}}, empty on the last page,
 * passed back as the request's {@code page_token}. Each page is one call through {@link Calls}, so
 * it has the deadline and the retries of any read.
 */
final class ExportLines {

  /** Unknown fields are ignored, so a server newer than this client still reads. */
  private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();

  private ExportLines() {}

  static <Q extends Message, T extends Message> Iterable<T> of(
      Calls calls, MethodDescriptor<Q, HttpBody> method, Q first, T itemPrototype) {
    String name = method.getFullMethodName();
    return Pages.following(name, first, request -> {
      List<String> lines = calls.unary(method, request).getData().toStringUtf8().lines()
          .filter(line -> !line.isBlank()).toList();
      if (lines.isEmpty()) {
        throw new IllegalStateException(name + ": an empty page (expected: a last line with nextPageToken)");
      }
      List<T> items = new ArrayList<>();
      for (String line : lines.subList(0, lines.size() - 1)) {
        @SuppressWarnings("unchecked")
        T item = (T) parse(name, line, itemPrototype.newBuilderForType()).build();
        items.add(item);
      }
      ExportTransactionsResponseLine end =
          (ExportTransactionsResponseLine) parse(name, lines.get(lines.size() - 1), ExportTransactionsResponseLine.newBuilder()).build();
      return new Pages.Page<>(items, end.getNextPageToken());
    });
  }

  private static Message.Builder parse(String method, String line, Message.Builder builder) {
    try {
      JSON.merge(line, builder);
      return builder;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(method + ": a line that is not a "
          + builder.getDescriptorForType().getFullName() + ": " + e.getMessage(), e);
    }
  }
}
