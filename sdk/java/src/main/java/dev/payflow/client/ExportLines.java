package dev.payflow.client;

import com.google.api.HttpBody;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.proto.v1.ExportTransactionsResponseLine;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

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
    Descriptor request = first.getDescriptorForType();
    FieldDescriptor pageToken = request.findFieldByName("page_token");
    if (pageToken == null || pageToken.getJavaType() != FieldDescriptor.JavaType.STRING) {
      throw new IllegalArgumentException(request.getFullName() + " has no string page_token (not a paged export)");
    }
    return () -> new Iterator<T>() {
      private final List<T> buffer = new ArrayList<>();
      private int position;
      private String nextToken = (String) first.getField(pageToken);
      private boolean last;
      private int pages;

      @Override
      public boolean hasNext() {
        while (position == buffer.size() && !last) {
          fetch();
        }
        return position < buffer.size();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return buffer.get(position++);
      }

      @SuppressWarnings("unchecked")
      private void fetch() {
        if (++pages > Pages.PAGES_MAX) {
          throw new IllegalStateException(method.getFullMethodName() + ": more than " + Pages.PAGES_MAX + " pages");
        }
        Q pageRequest = (Q) first.toBuilder().setField(pageToken, nextToken).build();
        List<String> lines = calls.unary(method, pageRequest).getData().toStringUtf8().lines()
            .filter(line -> !line.isBlank()).toList();
        if (lines.isEmpty()) {
          throw new IllegalStateException(method.getFullMethodName() + ": an empty page (expected: a last line with nextPageToken)");
        }
        buffer.clear();
        position = 0;
        for (String line : lines.subList(0, lines.size() - 1)) {
          buffer.add((T) parse(line, itemPrototype.newBuilderForType()).build());
        }
        ExportTransactionsResponseLine end =
            (ExportTransactionsResponseLine) parse(lines.get(lines.size() - 1), ExportTransactionsResponseLine.newBuilder()).build();
        nextToken = end.getNextPageToken();
        last = nextToken.isEmpty();
      }

      private Message.Builder parse(String line, Message.Builder builder) {
        try {
          JSON.merge(line, builder);
          return builder;
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException(method.getFullMethodName() + ": a line that is not a "
              + builder.getDescriptorForType().getFullName() + ": " + e.getMessage(), e);
        }
      }
    };
  }
}
