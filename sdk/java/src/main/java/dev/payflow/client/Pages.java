package dev.payflow.client;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The items of a paginated list, fetched page by page as they are iterated. Works for every list
 * RPC of the contract by its shape (AIP-158): the request's {@code page_token}, the response's
 * {@code next_page_token} and its one repeated message field, so a new list RPC needs no code here.
 */
final class Pages {

  /**
   * A bound on the pages one iteration fetches: 10,000 pages of up to 200 items. A server that
   * kept answering tokens beyond that would be a bug, not a long list.
   */
  static final int PAGES_MAX = 10_000;

  private Pages() {}

  static <Q extends Message, R extends Message, T> Iterable<T> of(
      Calls calls, MethodDescriptor<Q, R> method, Q first) {
    return following(method.getFullMethodName(), first, request -> {
      R response = calls.unary(method, request);
      Descriptor type = response.getDescriptorForType();
      @SuppressWarnings("unchecked")
      List<T> items = (List<T>) response.getField(items(type));
      return new Page<>(items, (String) response.getField(required(type, "next_page_token")));
    });
  }

  /** One page as fetched: its items and the token of the next, empty on the last page. */
  record Page<T>(List<T> items, String nextPageToken) {}

  /**
   * The items of the pages {@code fetch} answers, from the request {@code first} on: each next
   * request is {@code first} with the previous page's token as its {@code page_token}.
   */
  static <Q extends Message, T> Iterable<T> following(String methodName, Q first, Function<Q, Page<T>> fetch) {
    FieldDescriptor pageToken = required(first.getDescriptorForType(), "page_token");
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
        if (++pages > PAGES_MAX) {
          throw new IllegalStateException(methodName + ": more than " + PAGES_MAX + " pages");
        }
        Page<T> page = fetch.apply((Q) first.toBuilder().setField(pageToken, nextToken).build());
        buffer.clear();
        position = 0;
        buffer.addAll(page.items());
        nextToken = page.nextPageToken();
        last = nextToken.isEmpty();
      }
    };
  }

  private static FieldDescriptor items(Descriptor response) {
    List<FieldDescriptor> repeated = response.getFields().stream()
        .filter(field -> field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
        .toList();
    if (repeated.size() != 1) {
      throw new IllegalArgumentException(response.getFullName() + ": " + repeated.size()
          + " repeated message fields (expected: exactly 1, the page's items)");
    }
    return repeated.get(0);
  }

  private static FieldDescriptor required(Descriptor message, String name) {
    FieldDescriptor field = message.findFieldByName(name);
    if (field == null || field.getJavaType() != FieldDescriptor.JavaType.STRING) {
      throw new IllegalArgumentException(message.getFullName() + " has no string " + name + " (not a paginated list)");
    }
    return field;
  }
}
