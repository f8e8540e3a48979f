package io.sluice.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.sluice.policy");

  @Test
  void policyEngineDependsOnlyOnTheJdkJacksonAndSlf4j() {
    classes()
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "java..", "javax..", "com.fasterxml.jackson..", "org.slf4j..", "io.sluice.policy..")
        .check(MAIN);
  }

  @Test
  void evaluationAndContainmentDoNotDependOnEachOther() {
    noClasses()
        .that()
        .resideInAPackage("io.sluice.policy.eval..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.sluice.policy.containment..")
        .check(MAIN);
    noClasses()
        .that()
        .resideInAPackage("io.sluice.policy.containment..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.sluice.policy.eval..")
        .check(MAIN);
  }

  @Test
  void noClassIsNamedImpl() {
    noClasses().should().haveSimpleNameEndingWith("Impl").check(MAIN);
  }
}
