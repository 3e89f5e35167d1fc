package dev.payflow.core.api;

import com.google.protobuf.Descriptors;
import dev.payflow.core.domain.Permission;
import dev.payflow.proto.v1.AccessProto;
import dev.payflow.proto.v1.AccessRule;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The access rule each RPC declares in the contract ({@code option (payflow.v1.access)}), read once
 * at start-up. A method without a valid rule stops the server from starting: nothing is exposed
 * without authentication by accident.
 */
final class AccessRules {
    /** What an RPC requires, resolved from its proto option. */
    sealed interface Requirement {
    }

    record PartnerPermission(Permission permission) implements Requirement {
    }

    record Admin() implements Requirement {
    }

    record SignedBySender() implements Requirement {
    }

    private final Map<String, Requirement> byFullMethodName;

    private AccessRules(Map<String, Requirement> byFullMethodName) {
        this.byFullMethodName = Map.copyOf(byFullMethodName);
    }

    static AccessRules of(List<ServerServiceDefinition> services) {
        Map<String, Requirement> rules = new HashMap<>();
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
                String name = method.getMethodDescriptor().getFullMethodName();
                rules.put(name, requirementOf(name, method.getMethodDescriptor().getSchemaDescriptor()));
            }
        }
        return new AccessRules(rules);
    }

    Optional<Requirement> forMethod(String fullMethodName) {
        return Optional.ofNullable(byFullMethodName.get(fullMethodName));
    }

    private static Requirement requirementOf(String name, Object schema) {
        if (!(schema instanceof ProtoMethodDescriptorSupplier supplier)) {
            throw new IllegalStateException(name + ": no proto descriptor, so no access rule can be read");
        }
        Descriptors.MethodDescriptor method = supplier.getMethodDescriptor();
        if (!method.getOptions().hasExtension(AccessProto.access)) {
            throw new IllegalStateException(name + ": no (payflow.v1.access) option; every RPC must declare who may call it");
        }
        AccessRule rule = method.getOptions().getExtension(AccessProto.access);
        return switch (rule.getRuleCase()) {
            case PARTNER_PERMISSION -> new PartnerPermission(Permission.fromWireName(rule.getPartnerPermission()).orElseThrow(
                    () -> new IllegalStateException(name + ": unknown permission '" + rule.getPartnerPermission() + "'")));
            case ADMIN -> new Admin();
            case SIGNED_BY_SENDER -> new SignedBySender();
            case RULE_NOT_SET -> throw new IllegalStateException(name + ": (payflow.v1.access) sets no rule");
        };
    }
}
