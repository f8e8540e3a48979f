package io.sluice.collaboration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.MemberRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The collaboration file format, on the examples shipped in deploy/collaborations. */
class CollaborationFileTest {
  static final Path DIR = Path.of("../deploy/collaborations");

  static String read(String name) throws Exception {
    return Files.readString(DIR.resolve(name));
  }

  static Collaboration benchmark(String json) throws Exception {
    String offer = read("oem-benchmark-offer.json");
    return CollaborationFile.read(
        json,
        "automotive",
        "association",
        Instant.parse("2027-01-01T00:00:00Z").toEpochMilli(),
        (m, ds, o) -> offer);
  }

  @Test
  void theWarrantyBenchmarkReadsIntoACanonicalDocument() throws Exception {
    Collaboration c = benchmark(read("warranty-benchmark.json"));
    assertThat(c.getMembersList())
        .extracting(m -> m.getParticipant())
        .containsExactly("association", "oem-a", "oem-b", "oem-c", "oem-d", "oem-e");
    assertThat(c.getMembers(0).getRolesList())
        .containsExactly(MemberRole.RESULT_RECEIVER, MemberRole.COMPUTE_HOST);
    assertThat(c.getDrawsCount()).isEqualTo(5);
    assertThat(c.getParameters().getMinContributors()).isEqualTo(3);
    assertThat(c.getParameters().getSettings(0).getKey()).isEqualTo("noise");
    // the same file gives the same bytes, and the bytes pass the members' check
    assertThat(benchmark(read("warranty-benchmark.json")).toByteArray()).isEqualTo(c.toByteArray());
    assertThat(CollaborationRules.parseCanonical(c.toByteArray())).isEqualTo(c);
    // the shown form reads back into the same document
    var shown = CollaborationFile.toJson(c);
    assertThat(shown.at("/members/1/terms/permission/0/action").asText()).isEqualTo("use");
  }

  @Test
  void theCleanRoomExampleReads() throws Exception {
    String offer = Files.readString(Path.of("../deploy/policies/cleanroom-offer.json"));
    Collaboration c =
        CollaborationFile.read(
            read("clean-room.json"), "health", "insurer-a", 1000, (m, ds, o) -> offer);
    assertThat(c.getComputation()).isEqualTo("sql");
    assertThat(c.getMembersCount()).isEqualTo(2);
    assertThat(c.getParameters().getSql().getAnalysesCount()).isEqualTo(1);
  }

  @Test
  void unknownKeysMissingOffersAndUnsortedBytesAreRefused() throws Exception {
    String json = read("warranty-benchmark.json");
    assertInvalid(
        json.replace("\"minGroupSize\"", "\"minGroupSzie\""),
        "unknown key parameters.minGroupSzie");
    assertInvalid(
        json.replace("\"computation\": \"aggregate\"", "\"computation\": \"psi\""),
        "psi needs keyColumns");
    assertInvalid(
        json.replace(
            "\"roles\": [\"compute_host\", \"result_receiver\"]",
            "\"roles\": [\"compute_host\", \"contributor\"]"),
        "members[].dataset must be a non-empty string");
    assertInvalid(json.replace("\"maxUses\": 12", "\"maxUses\": 0"), "maxUses");
    assertInvalid(
        json.replace("\"minContributors\": 3", "\"minContributors\": 9"), "minContributors");
    assertInvalid(
        json.replace("\"computation\": \"aggregate\"", "\"computation\": \"magic\""),
        "unknown computation");
    Collaboration c = benchmark(json);
    var reversed = new java.util.ArrayList<>(c.getMembersList());
    java.util.Collections.reverse(reversed);
    Collaboration reordered = c.toBuilder().clearMembers().addAllMembers(reversed).build();
    assertThatThrownBy(() -> CollaborationRules.parseCanonical(reordered.toByteArray()))
        .hasMessageContaining("sorted");
    byte[] trailing = java.util.Arrays.copyOf(c.toByteArray(), c.toByteArray().length + 3);
    trailing[trailing.length - 3] = (byte) 0xf8; // field 127, varint
    trailing[trailing.length - 2] = 0x07;
    trailing[trailing.length - 1] = 0x01;
    assertThatThrownBy(() -> CollaborationRules.parseCanonical(trailing))
        .isInstanceOf(SluiceException.class);
  }

  private static void assertInvalid(String json, String message) {
    assertThatThrownBy(() -> benchmark(json))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.INVALID_COLLABORATION);
  }
}
