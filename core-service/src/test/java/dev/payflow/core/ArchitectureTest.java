package dev.payflow.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.payflow.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule domainIsPlainJava = noClasses().that().resideInAPackage("dev.payflow.core.domain..")
            .should().dependOnClassesThat().resideInAnyPackage("org.jooq..", "io.grpc..", "com.google.protobuf..", "com.stripe..",
                    "dev.payflow.proto..", "java.sql..", "javax.sql..", "org.slf4j..", "io.micrometer..", "dev.payflow.core.app..",
                    "dev.payflow.core.api..", "dev.payflow.core.persistence..")
            .because("the domain (money, ledger rules, state machines) is plain Java");

    @ArchTest
    static final ArchRule sqlLivesInPersistence = noClasses().that().resideOutsideOfPackages("dev.payflow.core.persistence..", "dev.payflow.core.server..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.payflow.core.persistence.jooq..", "java.sql..")
            .because("SQL lives in the persistence package and nowhere else");

    @ArchTest
    static final ArchRule useCasesKnowNothingOfGrpc = noClasses().that().resideInAPackage("dev.payflow.core.app..")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "dev.payflow.proto..")
            .because("use cases are called by the gRPC layer, not the other way round");

    @ArchTest
    static final ArchRule persistenceDoesNotCallUp = noClasses().that().resideInAPackage("dev.payflow.core.persistence..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.payflow.core.app..", "dev.payflow.core.api..", "io.grpc..")
            .because("repositories are called by use cases");
}
