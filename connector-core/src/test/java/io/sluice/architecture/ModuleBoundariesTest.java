package io.sluice.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.sluice.compute.runtime.FrameVocabulary;
import io.sluice.compute.runtime.PeerChannel;
import io.sluice.compute.runtime.WireFrame;
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

  @Test
  void theRuntimeKnowsNoComputationKind() {
    noClasses()
        .that()
        .resideInAPackage("io.sluice.compute.runtime..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.sluice.psi..", "io.sluice.compute")
        .because("kinds plug into the runtime; the runtime names none of them (docs/runtime.md)")
        .check(CORE);
  }

  @Test
  void psiUsesOnlyTheRuntimesFrameAndChannelContract() {
    noClasses()
        .that()
        .resideInAPackage("io.sluice.psi..")
        .should()
        .dependOnClassesThat(
            JavaClass.Predicates.resideInAPackage("io.sluice.compute.runtime..")
                .and(
                    DescribedPredicate.not(
                        JavaClass.Predicates.belongToAnyOf(
                            WireFrame.class, FrameVocabulary.class, PeerChannel.class))))
        .because("sessions, uses and allocators are the runtime's; PSI only speaks in frames")
        .check(CORE);
  }
}
