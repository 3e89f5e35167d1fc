package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.payflow.proto.v1.IdempotencyProto;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The {@code (payflow.v1.idempotent)} option, which the SDKs and the OpenAPI document read to give
 * money-moving calls one idempotency key per call, is set exactly on the RPCs whose request has an
 * {@code idempotency_key} field: a new money-moving RPC (payments, refunds, ...) that forgets it
 * fails here.
 */
class IdempotentMarkerTest {

  @Test
  void everyRpcWithAnIdempotencyKeyIsMarkedIdempotentAndNoOtherIs() {
    List<String> unmarked = new ArrayList<>();
    List<String> markedWithoutKey = new ArrayList<>();
    TreeSet<String> marked = new TreeSet<>();
    for (MethodDescriptor method : contractMethods()) {
      boolean hasKey = method.getInputType().findFieldByName("idempotency_key") != null;
      boolean isMarked = method.getOptions().getExtension(IdempotencyProto.idempotent);
      if (hasKey && !isMarked) {
        unmarked.add(method.getFullName());
      }
      if (isMarked && !hasKey) {
        markedWithoutKey.add(method.getFullName());
      }
      if (isMarked) {
        marked.add(method.getName());
      }
    }

    assertThat(unmarked).as("RPCs with an idempotency_key but no (payflow.v1.idempotent) = true").isEmpty();
    assertThat(markedWithoutKey).as("RPCs marked idempotent without an idempotency_key field").isEmpty();
    assertThat(marked).contains("CreditWallet", "DebitWallet", "CreateTransfer", "CreateHold", "CaptureHold", "VoidHold");
  }

  private static List<MethodDescriptor> contractMethods() {
    List<MethodDescriptor> methods = new ArrayList<>();
    OpenApiGenerator.descriptorSetFiles().stream()
        .filter(file -> file.getPackage().startsWith("payflow."))
        .forEach(file -> {
          for (ServiceDescriptor service : file.getServices()) {
            methods.addAll(service.getMethods());
          }
        });
    assertThat(methods).hasSizeGreaterThan(20);
    return methods;
  }
}
