package io.sluice.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * connector-core is transport-agnostic: protocols talk to small channel interfaces, so nothing here
 * may touch gRPC (channels, servers, stubs, Netty) — only the generated protobuf messages of the
 * proto module. The node binds the protocols to the wire.
 */
class ModuleBoundariesTest {
  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("io.sluice");

  @Test
  void coreNeverDependsOnGrpcOrNetty() {
    noClasses()
        .that()
        .resideInAPackage("io.sluice..")
        .and()
        .resideOutsideOfPackage("io.sluice.proto..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.grpc..", "io.netty..")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleNameEndingWith("Grpc")
        .because("connector-core must stay transport-agnostic (see ARCHITECTURE.md)")
        .check(CORE);
  }
}
