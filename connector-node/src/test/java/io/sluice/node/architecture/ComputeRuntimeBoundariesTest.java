package io.sluice.node.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The node's computation layer is one runtime with kinds plugged in: its common classes name no
 * kind, and a kind's classes reach the runtime only through the session they are given.
 */
class ComputeRuntimeBoundariesTest {
  private static final JavaClasses NODE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("io.sluice.node.compute");

  /** The runtime's common classes on the node: the stream, the run, the kinds, the audit. */
  private static final String[] COMMON = {
    "io.sluice.node.compute.ComputeResponder",
    "io.sluice.node.compute.ComputeInitiator",
    "io.sluice.node.compute.NodeKinds",
    "io.sluice.node.compute.NodeKind",
    "io.sluice.node.compute.Responder",
    "io.sluice.node.compute.Initiator",
    "io.sluice.node.compute.GrpcPeerChannel",
    "io.sluice.node.compute.FrameAudit",
    "io.sluice.node.compute.SessionStop",
    "io.sluice.node.compute.ComputeSessions"
  };

  @Test
  void theCommonPartNamesNoKind() {
    noClasses()
        .that()
        .haveNameMatching(alternatives(COMMON))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.sluice.psi..")
        .orShould()
        .dependOnClassesThat()
        .haveNameMatching("io\\.sluice\\.node\\.compute\\.Psi(Responder|Initiator|Kinds).*")
        .because("a kind plugs in through NodeKinds; nothing common switches over kinds")
        .check(NODE);
  }

  @Test
  void psiReachesTheRuntimeOnlyThroughItsSession() {
    noClasses()
        .that()
        .haveNameMatching("io\\.sluice\\.node\\.compute\\.Psi.*")
        .should()
        .dependOnClassesThat()
        .haveNameMatching(
            "io\\.sluice\\.compute\\.runtime\\.((ComputationRuntime|JdbcUseLedger)(\\$.*)?|UseLedger)")
        .because("reserving uses and opening sessions is the runtime's, not a kind's")
        .check(NODE);
  }

  private static String alternatives(String[] names) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < names.length; i++) {
      b.append(i == 0 ? "" : "|").append(names[i].replace(".", "\\.")).append("(\\$.*)?");
    }
    return b.append(")").toString();
  }
}
