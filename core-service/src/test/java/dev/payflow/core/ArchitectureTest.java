package dev.payflow.core;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.jooq.DSLContext;

/**
 * The boundaries between the packages of core-service, as allowlists: what a package may depend
 * on, so a new dependency is a decision made here rather than an accident. The reasons are in
 * docs/design-rules.md ("Packages and their boundaries").
 */
@AnalyzeClasses(packages = "dev.payflow.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String CORE = "dev.payflow.core.";
    private static final String[] SQL = {"java.sql..", "javax.sql..", "org.jooq..", CORE + "persistence.jooq.."};

    @ArchTest
    static final ArchRule domainIsPlainJava = classes().that().resideInAPackage(CORE + "domain..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", CORE + "domain..")
            .because("the domain (money, ledger rules, state machines) is plain Java: no framework, no I/O, no other layer");

    @ArchTest
    static final ArchRule apiNeverImportsPersistence = classes().that().resideInAPackage(CORE + "api..")
            // The one exception, until the ledger work moves the filter of transaction lists out of
            // persistence: LedgerGrpcService builds a LedgerRepository.TransactionFilter. Remove it then.
            .and().haveNameNotMatching("dev\\.payflow\\.core\\.api\\.LedgerGrpcService(\\$.*)?")
            .should().onlyDependOnClassesThat(resideInAnyPackage("java..", CORE + "api..", CORE + "app..", CORE + "domain..",
                    CORE + "ledger..", CORE + "webhook..", "dev.payflow.proto..", "io.grpc..", "com.google.protobuf..", "com.google.rpc..", "com.google.api..",
                    "com.google.gson..", "io.micrometer..", "org.slf4j..",
                    // Rate limits are per call: their token buckets live beside the interceptors that apply them.
                    "io.github.bucket4j..")
                    // The contract's one JSON form of metadata numbers, shared with the REST facade, so
                    // that webhook events and export lines print them as REST answers do.
                    .or(equivalentTo(dev.payflow.facade.JsonNumbers.class)))
            .because("the API maps requests to use cases and results to replies; it reaches the database only through use cases");

    @ArchTest
    static final ArchRule sqlLivesInPersistence = noClasses().that().resideOutsideOfPackage(CORE + "persistence..")
            .should().dependOnClassesThat(resideInAnyPackage(SQL).and(not(equivalentTo(DSLContext.class))))
            .because("SQL (JDBC, jOOQ, the generated tables, the embedded database's set-up) lives in persistence and nowhere else");

    @ArchTest
    static final ArchRule onlyUseCasesAndTheLedgerEngineHoldATransaction = noClasses().that()
            // webhook: the outbox records events inside the caller's transaction, and its use cases own theirs.
            .resideOutsideOfPackages(CORE + "persistence..", CORE + "app..", CORE + "ledger..", CORE + "webhook..")
            .should().dependOnClassesThat().areAssignableTo(DSLContext.class)
            .because("a use case (or the ledger engine it calls) opens the transaction and hands it, opaque, to the repositories");

    @ArchTest
    static final ArchRule useCasesKnowNothingOfGrpc = noClasses().that().resideInAPackage(CORE + "app..")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "dev.payflow.proto..", CORE + "api..", CORE + "server..")
            .because("use cases are called by the gRPC layer, not the other way round");

    @ArchTest
    static final ArchRule theLedgerEngineGoesThroughRepositories = noClasses().that().resideInAPackage(CORE + "ledger..")
            .should().dependOnClassesThat().resideInAnyPackage(CORE + "api..", CORE + "server..", "io.grpc..", "dev.payflow.proto..")
            .because("the ledger engine books movements for every use case, whatever door the request came through")
            // The package is being written; the rule is in place before its first class.
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule webhooksKnowNothingOfGrpc = noClasses().that().resideInAPackage(CORE + "webhook..")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "dev.payflow.proto..", CORE + "api..", CORE + "server..")
            .because("the outbox and its delivery serve every feature, whatever door its requests came through; the API renders the payloads");

    @ArchTest
    static final ArchRule persistenceDoesNotCallUp = noClasses().that().resideInAPackage(CORE + "persistence..")
            .should().dependOnClassesThat().resideInAnyPackage(CORE + "app..", CORE + "api..", CORE + "ledger..", CORE + "server..",
                    "io.grpc..", "dev.payflow.proto..")
            .because("repositories are called by use cases and the ledger engine");
}
