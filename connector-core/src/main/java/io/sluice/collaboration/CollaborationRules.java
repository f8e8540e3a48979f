package io.sluice.collaboration;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.ParticipantId;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyValidationException;
import io.sluice.policy.Vocabulary;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationMember;
import io.sluice.proto.v1.ComputationParameters;
import io.sluice.proto.v1.MemberRole;
import io.sluice.proto.v1.OfferDraw;
import io.sluice.proto.v1.Setting;
import io.sluice.signing.SignedDocuments;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules every collaboration document keeps, checked by the proposer before it signs and by
 * every member on the bytes it receives: the format, canonical form, and the kind's essentials.
 */
public final class CollaborationRules {
  /** A collaboration id: 1 to 128 of A-Z a-z 0-9 . _ : - (safe in logs and on a command line). */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  static final int MAX_MEMBERS = 64;
  static final int MAX_LIST = 256;
  static final int MAX_TEXT = 4096;

  private CollaborationRules() {}

  /**
   * Parses received document bytes and checks they are a valid collaboration in canonical form.
   *
   * @throws SluiceException INVALID_COLLABORATION (MALFORMED_MESSAGE for bytes that do not parse)
   */
  public static Collaboration parseCanonical(byte[] bytes) {
    Collaboration c;
    try {
      c = Collaboration.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed collaboration bytes");
    }
    if (!Arrays.equals(c.toByteArray(), bytes)) {
      throw CollaborationFile.invalid("the bytes are not in canonical form");
    }
    requireValid(c);
    return c;
  }

  /** Checks the document's rules; see docs/collaborations.md. */
  public static void requireValid(Collaboration c) {
    if (c.getVersion() != 1) {
      throw CollaborationFile.invalid("unsupported version " + c.getVersion());
    }
    if (!c.getUnknownFields().asMap().isEmpty()) {
      throw CollaborationFile.invalid("unknown fields");
    }
    if (!ID.matcher(c.getCollaborationId()).matches()) {
      throw CollaborationFile.invalid("the id must be 1 to 128 of A-Z a-z 0-9 . _ : -");
    }
    if (!Vocabulary.COMPUTATION_KINDS.contains(c.getComputation())) {
      throw CollaborationFile.invalid(
          "unknown computation '"
              + c.getComputation()
              + "'; use one of "
              + Vocabulary.COMPUTATION_KINDS);
    }
    requireText("purpose", c.getPurpose());
    requireMembers(c);
    requireDraws(c);
    requireParameters(c);
    if (c.getExpiresMs() <= c.getCreatedMs()) {
      throw CollaborationFile.invalid("it expires before it was made");
    }
    if (c.getMaxUses() < 1) {
      throw CollaborationFile.invalid("maxUses must be at least 1");
    }
  }

  private static void requireMembers(Collaboration c) {
    List<CollaborationMember> members = c.getMembersList();
    if (members.size() < 2 || members.size() > MAX_MEMBERS) {
      throw CollaborationFile.invalid("a collaboration has 2 to " + MAX_MEMBERS + " members");
    }
    String previous = null;
    boolean proposerIsMember = false;
    for (CollaborationMember m : members) {
      if (!ParticipantId.isValidName(m.getParticipant())) {
        throw CollaborationFile.invalid("'" + m.getParticipant() + "' is not a participant id");
      }
      if (previous != null && previous.compareTo(m.getParticipant()) >= 0) {
        throw CollaborationFile.invalid("members must be sorted and unique");
      }
      previous = m.getParticipant();
      proposerIsMember |= m.getParticipant().equals(c.getProposer());
      if (m.getRolesCount() == 0) {
        throw CollaborationFile.invalid(m.getParticipant() + " has no role");
      }
      int last = 0;
      for (MemberRole r : m.getRolesList()) {
        if (r == MemberRole.MEMBER_ROLE_UNSPECIFIED || r == MemberRole.UNRECOGNIZED) {
          throw CollaborationFile.invalid(m.getParticipant() + " has an unknown role");
        }
        if (r.getNumber() <= last) {
          throw CollaborationFile.invalid(
              m.getParticipant() + "'s roles must be sorted and unique");
        }
        last = r.getNumber();
      }
    }
    if (!proposerIsMember) {
      throw CollaborationFile.invalid("the proposer " + c.getProposer() + " is not a member");
    }
    if (withRole(c, MemberRole.CONTRIBUTOR).isEmpty()) {
      throw CollaborationFile.invalid("no member is a contributor");
    }
    if (withRole(c, MemberRole.RESULT_RECEIVER).isEmpty()) {
      throw CollaborationFile.invalid("no member is a result_receiver");
    }
  }

  private static void requireDraws(Collaboration c) {
    Set<String> contributors = withRole(c, MemberRole.CONTRIBUTOR);
    Set<String> drawn = new HashSet<>();
    String previous = null;
    for (OfferDraw d : c.getDrawsList()) {
      if (!contributors.contains(d.getMember())) {
        throw CollaborationFile.invalid(d.getMember() + " draws on an offer but is no contributor");
      }
      if (previous != null && previous.compareTo(d.getMember()) >= 0) {
        throw CollaborationFile.invalid("draws must be sorted by member, one per contributor");
      }
      previous = d.getMember();
      drawn.add(d.getMember());
      requireText("the dataset of " + d.getMember(), d.getDatasetId());
      requireText("the offer of " + d.getMember(), d.getOfferId());
      byte[] policy = d.getPolicy().toByteArray();
      if (!SignedDocuments.sha256Hex(policy).equals(d.getPolicySha256())) {
        throw CollaborationFile.invalid("the terms digest of " + d.getMember() + " does not match");
      }
      try {
        byte[] canonical =
            PolicyCodec.canonicalBytes(
                PolicyCodec.parse(new String(policy, java.nio.charset.StandardCharsets.UTF_8)));
        if (!Arrays.equals(canonical, policy)) {
          throw CollaborationFile.invalid("the terms of " + d.getMember() + " are not canonical");
        }
      } catch (PolicyValidationException e) {
        throw CollaborationFile.invalid(
            "the terms of " + d.getMember() + " are not a valid policy");
      }
    }
    if (!drawn.equals(contributors)) {
      Set<String> missing = new java.util.TreeSet<>(contributors);
      missing.removeAll(drawn);
      throw CollaborationFile.invalid("contributors without an offer to draw on: " + missing);
    }
  }

  private static void requireParameters(Collaboration c) {
    ComputationParameters p = c.getParameters();
    int contributors = withRole(c, MemberRole.CONTRIBUTOR).size();
    if (p.getMinContributors() < 0 || p.getMinContributors() > contributors) {
      throw CollaborationFile.invalid(
          "minContributors must be 0 (all) to the number of contributors (" + contributors + ")");
    }
    if (p.getMinGroupSize() < 0) {
      throw CollaborationFile.invalid("minGroupSize must not be negative");
    }
    double eps = p.getPrivacyBudget().getEpsilon();
    double delta = p.getPrivacyBudget().getDelta();
    if (!Double.isFinite(eps) || eps < 0 || !Double.isFinite(delta) || delta < 0 || delta >= 1) {
      throw CollaborationFile.invalid("the privacy budget needs epsilon >= 0 and 0 <= delta < 1");
    }
    for (List<String> list :
        List.of(p.getKeyColumnsList(), p.getGroupsList(), p.getOutputColumnsList())) {
      if (list.size() > MAX_LIST) {
        throw CollaborationFile.invalid("a parameter list is longer than " + MAX_LIST);
      }
      list.forEach(v -> requireText("a parameter value", v));
    }
    String previous = null;
    for (Setting s : p.getSettingsList()) {
      requireText("a setting key", s.getKey());
      if (previous != null && previous.compareTo(s.getKey()) >= 0) {
        throw CollaborationFile.invalid("settings must be sorted by key and unique");
      }
      previous = s.getKey();
    }
    switch (c.getComputation()) {
      case "psi", "psi-cardinality", "psi-label" -> {
        if (p.getKeyColumnsCount() == 0) {
          throw CollaborationFile.invalid(c.getComputation() + " needs keyColumns");
        }
      }
      case "aggregate" -> {
        if (p.getStatisticsCount() == 0) {
          throw CollaborationFile.invalid("aggregate needs statistics");
        }
      }
      case "sql" -> {
        if (p.getSql().getAnalysesCount() == 0) {
          throw CollaborationFile.invalid("sql needs sql.analyses");
        }
      }
      default -> throw CollaborationFile.invalid("unknown computation " + c.getComputation());
    }
  }

  /** The members that have {@code role}. */
  public static Set<String> withRole(Collaboration c, MemberRole role) {
    Set<String> out = new java.util.TreeSet<>();
    for (CollaborationMember m : c.getMembersList()) {
      if (m.getRolesList().contains(role)) {
        out.add(m.getParticipant());
      }
    }
    return out;
  }

  /** Whether {@code participant} is a member. */
  public static boolean isMember(Collaboration c, String participant) {
    return c.getMembersList().stream().anyMatch(m -> m.getParticipant().equals(participant));
  }

  private static void requireText(String what, String value) {
    if (value.isBlank() || value.length() > MAX_TEXT) {
      throw CollaborationFile.invalid(what + " must be 1 to " + MAX_TEXT + " characters");
    }
  }
}
