package dev.payflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.AnnotationsProto;
import com.google.protobuf.Descriptors;
import dev.payflow.proto.v1.AccessProto;
import dev.payflow.proto.v1.AdminProto;
import dev.payflow.proto.v1.ErrorsProto;
import dev.payflow.proto.v1.LedgerProto;
import dev.payflow.proto.v1.PayoutProto;
import dev.payflow.proto.v1.TransferProto;
import dev.payflow.proto.v1.WalletProto;
import dev.payflow.proto.v1.WebhookProto;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Checks of the contract itself: what partners read in the .proto files is what the server does. */
class ContractTest {
    private static final List<Descriptors.FileDescriptor> FILES = List.of(WalletProto.getDescriptor(), LedgerProto.getDescriptor(),
            TransferProto.getDescriptor(), PayoutProto.getDescriptor(), WebhookProto.getDescriptor(), AdminProto.getDescriptor(),
            dev.payflow.proto.v1.ApiKeyProto.getDescriptor());

    @Test
    void everyRpcHasAnHttpRuleUnderTheDocumentedPrefixAndAnAccessRule() {
        List<Descriptors.MethodDescriptor> methods = FILES.stream().flatMap(f -> f.getServices().stream())
                .flatMap(s -> s.getMethods().stream()).toList();

        assertThat(methods).hasSize(31);
        for (Descriptors.MethodDescriptor method : methods) {
            assertThat(method.getOptions().hasExtension(AnnotationsProto.http)).as(method.getFullName()).isTrue();
            var rule = method.getOptions().getExtension(AnnotationsProto.http);
            String path = Stream.of(rule.getGet(), rule.getPost(), rule.getPatch(), rule.getDelete(), rule.getPut())
                    .filter(p -> !p.isEmpty()).findFirst().orElseThrow();
            assertThat(path).as(method.getFullName()).matches("/api/(v1|admin)/.*");
            assertThat(method.getOptions().hasExtension(AccessProto.access)).as(method.getFullName()).isTrue();
            var access = method.getOptions().getExtension(AccessProto.access);
            boolean operator = access.getAdmin() || !access.getOperatorRole().isEmpty();
            assertThat(operator).as("operator rule exactly on /api/admin paths: " + method.getFullName()).isEqualTo(path.startsWith("/api/admin/"));
        }
    }

    @Test
    void everyConsoleRpcIsOnTheAdminListenersPathsAndNeedsAnOperatorExceptSignIn() {
        List<Descriptors.MethodDescriptor> methods = Stream.of(dev.payflow.proto.v1.OperatorProto.getDescriptor(),
                dev.payflow.proto.v1.AuditProto.getDescriptor(), dev.payflow.proto.v1.AdjustmentProto.getDescriptor())
                .flatMap(f -> f.getServices().stream()).flatMap(s -> s.getMethods().stream()).toList();

        assertThat(methods).hasSize(15);
        for (Descriptors.MethodDescriptor method : methods) {
            var rule = method.getOptions().getExtension(AnnotationsProto.http);
            String path = Stream.of(rule.getGet(), rule.getPost(), rule.getPatch(), rule.getDelete(), rule.getPut())
                    .filter(p -> !p.isEmpty()).findFirst().orElseThrow();
            assertThat(path).as(method.getFullName()).matches("/api/admin/.*|/api/csrf-token");
            var access = method.getOptions().getExtension(AccessProto.access);
            if (method.getName().equals("CreateSession")) {
                assertThat(access.getPublic()).as("sign-in comes before any credential").isTrue();
            } else {
                assertThat(access.getOperatorRole()).as(method.getFullName()).isIn("viewer", "operator", "admin");
            }
        }
    }

    @Test
    void theDomainsErrorReasonsAreExactlyTheContractsErrorReasons() {
        List<String> contract = ErrorsProto.getDescriptor().findEnumTypeByName("ErrorReason").getValues().stream()
                .map(Descriptors.EnumValueDescriptor::getName).filter(name -> !name.equals("ERROR_REASON_UNSPECIFIED")).toList();
        List<String> domain = Arrays.stream(dev.payflow.core.domain.ErrorReason.values()).map(Enum::name).toList();

        assertThat(domain).containsExactlyInAnyOrderElementsOf(contract);
    }

    @Test
    void everyContractEnumWordIsLowercaseSoJsonShowsTheBriefsWords() {
        FILES.stream().flatMap(f -> f.getMessageTypes().stream()).flatMap(m -> m.getEnumTypes().stream())
                .flatMap(e -> e.getValues().stream())
                .forEach(value -> assertThat(value.getName()).as(value.getFullName()).matches("[a-z_]+"));
    }
}
