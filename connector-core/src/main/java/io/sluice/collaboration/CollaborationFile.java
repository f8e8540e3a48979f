package io.sluice.collaboration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyValidationException;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationMember;
import io.sluice.proto.v1.ColumnSpec;
import io.sluice.proto.v1.ComputationParameters;
import io.sluice.proto.v1.MemberRole;
import io.sluice.proto.v1.OfferDraw;
import io.sluice.proto.v1.PrivacyBudget;
import io.sluice.proto.v1.Setting;
import io.sluice.proto.v1.SqlRules;
import io.sluice.proto.v1.Statistic;
import io.sluice.signing.SignedDocuments;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The collaboration file an operator writes (docs/collaborations.md) and its canonical {@link
 * Collaboration}: members sorted by participant id, roles sorted, one draw per contributor sorted
 * by member, settings sorted by key, terms in canonical ODRL. Unknown keys are an error, so a typo
 * never silently drops a parameter that shapes disclosure.
 */
public final class CollaborationFile {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Finds a contributor's published terms when the file leaves them out. */
  @FunctionalInterface
  public interface TermsResolver {
    /** The ODRL JSON of {@code member}'s offer {@code offerId} of {@code datasetId}. */
    String terms(String member, String datasetId, String offerId);
  }

  private CollaborationFile() {}

  /**
   * Reads a collaboration file into the document {@code proposer} proposes in {@code space}, made
   * at {@code createdMs}.
   *
   * @throws SluiceException INVALID_COLLABORATION naming what is wrong
   */
  public static Collaboration read(
      String json, String space, String proposer, long createdMs, TermsResolver resolver) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw invalid("the file is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw invalid("the file must hold one JSON object");
    }
    Fields top =
        new Fields(
            "",
            root,
            Set.of("id", "purpose", "computation", "members", "parameters", "expires", "maxUses"));
    Collaboration.Builder c =
        Collaboration.newBuilder()
            .setVersion(1)
            .setCollaborationId(top.text("id"))
            .setSpace(space)
            .setProposer(proposer)
            .setComputation(top.text("computation"))
            .setPurpose(top.text("purpose"))
            .setCreatedMs(createdMs)
            .setExpiresMs(instant(top, "expires"))
            .setMaxUses(top.number("maxUses"));
    List<CollaborationMember> members = new ArrayList<>();
    List<OfferDraw> draws = new ArrayList<>();
    for (JsonNode m : top.array("members")) {
      readMember(m, members, draws, resolver);
    }
    members.sort(Comparator.comparing(CollaborationMember::getParticipant));
    draws.sort(Comparator.comparing(OfferDraw::getMember));
    c.addAllMembers(members).addAllDraws(draws);
    if (top.node.has("parameters")) {
      c.setParameters(parameters(top.object("parameters")));
    }
    Collaboration built = c.build();
    CollaborationRules.requireValid(built);
    return built;
  }

  private static void readMember(
      JsonNode node,
      List<CollaborationMember> members,
      List<OfferDraw> draws,
      TermsResolver resolver) {
    Fields m =
        new Fields("members[]", node, Set.of("participant", "roles", "dataset", "offer", "terms"));
    String participant = m.text("participant");
    java.util.TreeSet<MemberRole> roles = new java.util.TreeSet<>();
    for (JsonNode r : m.array("roles")) {
      roles.add(role(r.asText()));
    }
    members.add(
        CollaborationMember.newBuilder().setParticipant(participant).addAllRoles(roles).build());
    boolean contributor = roles.contains(MemberRole.CONTRIBUTOR);
    if (!contributor) {
      if (m.node.has("dataset") || m.node.has("offer") || m.node.has("terms")) {
        throw invalid(participant + " is no contributor: it draws on no offer");
      }
      return;
    }
    String dataset = m.text("dataset");
    String offer = m.text("offer");
    String terms =
        m.node.has("terms")
            ? m.node.get("terms").toString()
            : resolver.terms(participant, dataset, offer);
    byte[] canonical;
    try {
      canonical = PolicyCodec.canonicalBytes(PolicyCodec.parse(terms));
    } catch (PolicyValidationException e) {
      throw invalid("the terms for " + participant + " are not a valid policy: " + e.getMessage());
    }
    draws.add(
        OfferDraw.newBuilder()
            .setMember(participant)
            .setDatasetId(dataset)
            .setOfferId(offer)
            .setPolicy(ByteString.copyFrom(canonical))
            .setPolicySha256(SignedDocuments.sha256Hex(canonical))
            .build());
  }

  private static ComputationParameters parameters(JsonNode node) {
    Fields p =
        new Fields(
            "parameters",
            node,
            Set.of(
                "inputSchema",
                "keyColumns",
                "groups",
                "statistics",
                "outputColumns",
                "sql",
                "minGroupSize",
                "minContributors",
                "privacyBudget",
                "settings"));
    ComputationParameters.Builder b = ComputationParameters.newBuilder();
    for (JsonNode col : p.optionalArray("inputSchema")) {
      Fields f = new Fields("inputSchema[]", col, Set.of("name", "type"));
      b.addInputSchema(ColumnSpec.newBuilder().setName(f.text("name")).setType(f.text("type")));
    }
    p.optionalArray("keyColumns").forEach(k -> b.addKeyColumns(k.asText()));
    p.optionalArray("groups").forEach(g -> b.addGroups(g.asText()));
    for (JsonNode s : p.optionalArray("statistics")) {
      Fields f = new Fields("statistics[]", s, Set.of("column", "function"));
      b.addStatistics(
          Statistic.newBuilder().setColumn(f.text("column")).setFunction(f.text("function")));
    }
    p.optionalArray("outputColumns").forEach(o -> b.addOutputColumns(o.asText()));
    if (p.node.has("sql")) {
      Fields s =
          new Fields(
              "sql", p.object("sql"), Set.of("analyses", "aggregationOnly", "allowedColumns"));
      SqlRules.Builder sql = SqlRules.newBuilder();
      s.optionalArray("analyses").forEach(a -> sql.addAnalyses(a.asText()));
      sql.setAggregationOnly(s.node.path("aggregationOnly").asBoolean(true));
      s.optionalArray("allowedColumns").forEach(a -> sql.addAllowedColumns(a.asText()));
      b.setSql(sql);
    }
    if (p.node.has("minGroupSize")) {
      b.setMinGroupSize(p.number("minGroupSize"));
    }
    if (p.node.has("minContributors")) {
      long n = p.number("minContributors");
      if (n > Integer.MAX_VALUE) {
        throw invalid("parameters.minContributors is too large");
      }
      b.setMinContributors((int) n);
    }
    if (p.node.has("privacyBudget")) {
      Fields d = new Fields("privacyBudget", p.object("privacyBudget"), Set.of("epsilon", "delta"));
      b.setPrivacyBudget(
          PrivacyBudget.newBuilder()
              .setEpsilon(d.node.path("epsilon").asDouble(0))
              .setDelta(d.node.path("delta").asDouble(0)));
    }
    if (p.node.has("settings")) {
      Map<String, String> sorted = new TreeMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = p.object("settings").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(
            e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
      }
      sorted.forEach((k, v) -> b.addSettings(Setting.newBuilder().setKey(k).setValue(v)));
    }
    return b.build();
  }

  /** The document as a collaboration file again (terms as JSON), for show and for review. */
  public static ObjectNode toJson(Collaboration c) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", c.getCollaborationId());
    root.put("space", c.getSpace());
    root.put("proposer", c.getProposer());
    root.put("purpose", c.getPurpose());
    root.put("computation", c.getComputation());
    ArrayNode members = root.putArray("members");
    for (CollaborationMember m : c.getMembersList()) {
      ObjectNode o = members.addObject();
      o.put("participant", m.getParticipant());
      ArrayNode roles = o.putArray("roles");
      m.getRolesList().forEach(r -> roles.add(roleName(r)));
      draw(c, m.getParticipant())
          .ifPresent(
              d -> {
                o.put("dataset", d.getDatasetId());
                o.put("offer", d.getOfferId());
                o.put("termsSha256", d.getPolicySha256());
                try {
                  o.set("terms", JSON.readTree(d.getPolicy().toStringUtf8()));
                } catch (JsonProcessingException e) {
                  o.put("terms", d.getPolicy().toStringUtf8());
                }
              });
    }
    root.set("parameters", parametersJson(c.getParameters()));
    root.put("created", Instant.ofEpochMilli(c.getCreatedMs()).toString());
    root.put("expires", Instant.ofEpochMilli(c.getExpiresMs()).toString());
    root.put("maxUses", c.getMaxUses());
    return root;
  }

  private static ObjectNode parametersJson(ComputationParameters p) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode schema = o.putArray("inputSchema");
    p.getInputSchemaList()
        .forEach(s -> schema.addObject().put("name", s.getName()).put("type", s.getType()));
    p.getKeyColumnsList().forEach(o.putArray("keyColumns")::add);
    p.getGroupsList().forEach(o.putArray("groups")::add);
    ArrayNode stats = o.putArray("statistics");
    p.getStatisticsList()
        .forEach(
            s -> stats.addObject().put("column", s.getColumn()).put("function", s.getFunction()));
    p.getOutputColumnsList().forEach(o.putArray("outputColumns")::add);
    if (p.hasSql()) {
      ObjectNode sql = o.putObject("sql");
      p.getSql().getAnalysesList().forEach(sql.putArray("analyses")::add);
      sql.put("aggregationOnly", p.getSql().getAggregationOnly());
      p.getSql().getAllowedColumnsList().forEach(sql.putArray("allowedColumns")::add);
    }
    o.put("minGroupSize", p.getMinGroupSize());
    o.put("minContributors", p.getMinContributors());
    if (p.hasPrivacyBudget()) {
      o.putObject("privacyBudget")
          .put("epsilon", p.getPrivacyBudget().getEpsilon())
          .put("delta", p.getPrivacyBudget().getDelta());
    }
    ObjectNode settings = o.putObject("settings");
    p.getSettingsList().forEach(s -> settings.put(s.getKey(), s.getValue()));
    return o;
  }

  static Optional<OfferDraw> draw(Collaboration c, String member) {
    return c.getDrawsList().stream().filter(d -> d.getMember().equals(member)).findFirst();
  }

  /** The file's spelling of a role: contributor, result_receiver, compute_host. */
  public static String roleName(MemberRole role) {
    return role.name().toLowerCase(Locale.ROOT);
  }

  private static MemberRole role(String written) {
    for (MemberRole r : MemberRole.values()) {
      if (r != MemberRole.MEMBER_ROLE_UNSPECIFIED
          && r != MemberRole.UNRECOGNIZED
          && roleName(r).equals(written)) {
        return r;
      }
    }
    throw invalid(
        "unknown role '" + written + "'; use contributor, result_receiver or compute_host");
  }

  private static long instant(Fields f, String key) {
    String text = f.text(key);
    try {
      return Instant.parse(text).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw invalid(f.where(key) + " is not an ISO 8601 instant (e.g. 2027-12-31T23:59:59Z)");
    }
  }

  static SluiceException invalid(String what) {
    return new SluiceException(ErrorCode.INVALID_COLLABORATION, "invalid collaboration: " + what);
  }

  /** One JSON object of the file, with the keys it may have. */
  private record Fields(String path, JsonNode node, Set<String> allowed) {
    Fields {
      if (!node.isObject()) {
        throw invalid((path.isEmpty() ? "the file" : path) + " must be an object");
      }
      Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String n = names.next();
        if (!allowed.contains(n)) {
          throw invalid(
              "unknown key "
                  + where(path, n)
                  + " (allowed: "
                  + new java.util.TreeSet<>(allowed)
                  + ")");
        }
      }
    }

    String where(String key) {
      return where(path, key);
    }

    private static String where(String path, String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    String text(String key) {
      JsonNode v = node.get(key);
      if (v == null || !v.isTextual() || v.asText().isBlank()) {
        throw invalid(where(key) + " must be a non-empty string");
      }
      return v.asText();
    }

    long number(String key) {
      JsonNode v = node.get(key);
      if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
        throw invalid(where(key) + " must be a whole number");
      }
      return v.asLong();
    }

    JsonNode object(String key) {
      JsonNode v = node.get(key);
      if (v == null || !v.isObject()) {
        throw invalid(where(key) + " must be an object");
      }
      return v;
    }

    Iterable<JsonNode> array(String key) {
      JsonNode v = node.get(key);
      if (v == null || !v.isArray() || v.isEmpty()) {
        throw invalid(where(key) + " must be a non-empty array");
      }
      return v;
    }

    Iterable<JsonNode> optionalArray(String key) {
      JsonNode v = node.get(key);
      if (v == null) {
        return List.of();
      }
      if (!v.isArray()) {
        throw invalid(where(key) + " must be an array");
      }
      for (JsonNode e : v) {
        if (!e.isTextual() && !e.isObject()) {
          throw invalid(where(key) + " holds a value that is neither text nor an object");
        }
      }
      return v;
    }
  }
}
