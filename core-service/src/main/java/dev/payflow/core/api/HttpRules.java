package dev.payflow.core.api;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;

/** What a method's {@code google.api.http} rule says, read from its descriptor. */
final class HttpRules {
    private HttpRules() {
    }

    /** Whether the method's REST rule is a GET (reads only). A method without a rule is not. */
    static boolean isGet(Object schemaDescriptor) {
        if (!(schemaDescriptor instanceof ProtoMethodDescriptorSupplier supplier)) {
            return false;
        }
        Descriptors.MethodDescriptor method = supplier.getMethodDescriptor();
        if (!method.getOptions().hasExtension(AnnotationsProto.http)) {
            return false;
        }
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        return rule.getPatternCase() == HttpRule.PatternCase.GET;
    }
}
