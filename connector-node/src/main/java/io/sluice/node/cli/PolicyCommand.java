package io.sluice.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.policy.Condition;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyProblem;
import io.sluice.policy.PolicyValidationException;
import io.sluice.policy.containment.Containment;
import io.sluice.policy.containment.ContainmentResult;
import io.sluice.policy.containment.Narrowing;
import io.sluice.policy.containment.NarrowingResult;
import io.sluice.policy.containment.Reason;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Failure;
import io.sluice.policy.eval.Obligation;
import io.sluice.policy.eval.Request;
import io.sluice.policy.eval.RequestJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice policy ...}: check, evaluate and compare usage policies (see docs/policy.md).
 *
 * <p>Exit codes: 0 valid / permitted / contained / narrowed, 2 invalid input (a file that cannot be
 * read, a policy or request with problems), 3 a well-formed answer of no (deny, not contained, no
 * agreement).
 */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check, evaluate and compare ODRL usage policies.",
    subcommands = {
      PolicyCommand.Validate.class,
      PolicyCommand.Eval.class,
      PolicyCommand.Contains.class,
      PolicyCommand.Narrow.class
    })
public final class PolicyCommand implements Runnable {
  static final int OK = 0;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** A file that could not be read or parsed; already reported. */
  private static final class InputProblem extends Exception {
    private static final long serialVersionUID = 1L;
  }

  private static String read(Path file, PrintWriter err) throws InputProblem {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      err.println(file + ": cannot read: " + e.getClass().getSimpleName());
      throw new InputProblem();
    }
  }

  private static Policy policy(Path file, PrintWriter err) throws InputProblem {
    String json = read(file, err);
    try {
      return PolicyCodec.parse(json);
    } catch (PolicyValidationException e) {
      printProblems(file, e.problems(), err);
      throw new InputProblem();
    }
  }

  static void printProblems(Path file, List<PolicyProblem> problems, PrintWriter out) {
    for (PolicyProblem p : problems) {
      out.println(file + ": " + (p.pointer().isEmpty() ? "/" : p.pointer()) + ": " + p.message());
    }
  }

  private static String pointer(String pointer) {
    return pointer.isEmpty() ? "/" : pointer;
  }

  private static void printJson(PrintWriter out, Object tree) {
    try {
      out.println(JSON.writeValueAsString(tree));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** {@code sluice policy validate FILE}: exit 0 when valid, 2 with one line per problem. */
  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = "Check a policy; print every problem as FILE: /json/pointer: message.")
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The policy (ODRL JSON).")
    Path file;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String text;
      try {
        text = read(file, err);
      } catch (InputProblem e) {
        return SluiceCli.EXIT_INVALID;
      }
      List<PolicyProblem> problems = PolicyCodec.validate(text);
      if (json) {
        ObjectNode o = JSON.createObjectNode();
        o.put("file", file.toString());
        o.put("valid", problems.isEmpty());
        ArrayNode list = o.putArray("problems");
        for (PolicyProblem p : problems) {
          list.addObject().put("pointer", p.pointer()).put("message", p.message());
        }
        if (problems.isEmpty()) {
          o.put("digest", PolicyCodec.digest(PolicyCodec.parse(text)));
        }
        printJson(out, o);
      } else if (problems.isEmpty()) {
        Policy policy = PolicyCodec.parse(text);
        out.println(
            file
                + ": valid "
                + policy.type().term()
                + policy.uid().map(u -> " " + u).orElse("")
                + " (sha256 "
                + PolicyCodec.digest(policy)
                + ")");
      } else {
        printProblems(file, problems, out);
      }
      out.flush();
      return problems.isEmpty() ? OK : SluiceCli.EXIT_INVALID;
    }
  }

  /** {@code sluice policy eval --policy FILE --request FILE}: exit 0 permit, 3 deny. */
  @Command(
      name = "eval",
      mixinStandardHelpOptions = true,
      description = "Evaluate a request against a policy: PERMIT (exit 0) or DENY (exit 3).")
  static final class Eval implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "The policy.")
    Path policyFile;

    @Option(
        names = "--request",
        required = true,
        paramLabel = "FILE",
        description = "The request (JSON, see docs/policy.md); without \"time\" it is now.")
    Path requestFile;

    @Option(names = "--json", description = "Print the decision as JSON.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Policy policy;
      Request request;
      try {
        policy = policy(policyFile, err);
        String text = read(requestFile, err);
        try {
          request = RequestJson.parse(text, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
          for (String line : e.getMessage().split("\n")) {
            err.println(requestFile + ": " + line);
          }
          throw new InputProblem();
        }
      } catch (InputProblem e) {
        err.flush();
        return SluiceCli.EXIT_INVALID;
      }
      Decision decision = CompiledPolicy.compile(policy).evaluate(request);
      if (json) {
        printJson(out, decisionJson(decision));
      } else {
        out.println(decision.outcome());
        for (Failure f : decision.failures()) {
          out.println(
              "  "
                  + pointer(f.pointer())
                  + ": "
                  + f.message()
                  + (f.ruleUid() == null ? "" : " [" + f.ruleUid() + "]"));
        }
        for (Obligation o : decision.duties()) {
          out.println("  duty: " + o.describe() + " [" + o.ruleUid() + "]");
        }
      }
      out.flush();
      return decision.permitted() ? OK : SluiceCli.EXIT_REFUSED;
    }

    private static ObjectNode decisionJson(Decision d) {
      ObjectNode o = JSON.createObjectNode();
      o.put("decision", d.outcome());
      ArrayNode granted = o.putArray("grantedBy");
      d.grantedBy().forEach(granted::add);
      ArrayNode failures = o.putArray("failures");
      for (Failure f : d.failures()) {
        failures
            .addObject()
            .put("rule", f.ruleUid())
            .put("pointer", f.pointer())
            .put("expected", f.expected())
            .put("actual", f.actual())
            .put("message", f.message());
      }
      ArrayNode duties = o.putArray("duties");
      for (Obligation ob : d.duties()) {
        duties.add(obligationJson(ob));
      }
      return o;
    }

    private static ObjectNode obligationJson(Obligation ob) {
      ObjectNode o = JSON.createObjectNode();
      o.put("action", ob.action());
      o.put("rule", ob.ruleUid());
      o.put("pointer", ob.pointer());
      ArrayNode terms = o.putArray("terms");
      for (Condition c : ob.terms()) {
        terms.add(c.expected());
      }
      ob.retention().ifPresent(r -> o.put("retention", r));
      ObjectNode parties = o.putObject("parties");
      ob.parties().forEach(parties::put);
      ArrayNode consequences = o.putArray("consequences");
      for (Obligation c : ob.consequences()) {
        consequences.add(obligationJson(c));
      }
      return o;
    }
  }

  private static ObjectNode reasonsJson(String key, boolean yes, List<Reason> reasons) {
    ObjectNode o = JSON.createObjectNode();
    o.put(key, yes);
    ArrayNode list = o.putArray("reasons");
    for (Reason r : reasons) {
      list.addObject().put("pointer", r.pointer()).put("message", r.message());
    }
    return o;
  }

  /** {@code sluice policy contains --offer FILE --request FILE}: exit 0 contained, 3 not. */
  @Command(
      name = "contains",
      mixinStandardHelpOptions = true,
      description =
          "Is every use the requested policy allows also allowed by the offer? Exit 0 yes, 3 no.")
  static final class Contains implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--offer", required = true, paramLabel = "FILE", description = "The offer.")
    Path offerFile;

    @Option(
        names = "--request",
        required = true,
        paramLabel = "FILE",
        description = "The requested policy (ODRL JSON).")
    Path requestFile;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ContainmentResult result;
      try {
        Policy offer = policy(offerFile, err);
        Policy request = policy(requestFile, err);
        result = Containment.contains(offer, request);
      } catch (InputProblem e) {
        err.flush();
        return SluiceCli.EXIT_INVALID;
      }
      if (json) {
        printJson(out, reasonsJson("contained", result.contained(), result.reasons()));
      } else {
        out.println(result.contained() ? "CONTAINED" : "NOT CONTAINED");
        for (Reason r : result.reasons()) {
          out.println("  " + offerFile + ": " + pointer(r.pointer()) + ": " + r.message());
        }
      }
      out.flush();
      return result.contained() ? OK : SluiceCli.EXIT_REFUSED;
    }
  }

  /**
   * {@code sluice policy narrow --offer FILE --acceptable FILE}: the narrowed policy or why not.
   */
  @Command(
      name = "narrow",
      mixinStandardHelpOptions = true,
      description =
          "Print the strictest policy acceptable to both the offer and the acceptable terms"
              + " (exit 0), or why none exists (exit 3).")
  static final class Narrow implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--offer", required = true, paramLabel = "FILE", description = "The offer.")
    Path offerFile;

    @Option(
        names = "--acceptable",
        required = true,
        paramLabel = "FILE",
        description = "The terms the consumer accepts (a policy).")
    Path acceptableFile;

    @Option(names = "--json", description = "Print reasons as JSON too (the policy is JSON).")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      NarrowingResult result;
      try {
        result = Narrowing.narrow(policy(offerFile, err), policy(acceptableFile, err));
      } catch (InputProblem e) {
        err.flush();
        return SluiceCli.EXIT_INVALID;
      }
      if (result.narrowed()) {
        out.println(PolicyCodec.toPrettyJson(result.policy().orElseThrow()));
      } else if (json) {
        printJson(out, reasonsJson("narrowed", false, result.reasons()));
      } else {
        out.println("NO AGREEMENT");
        for (Reason r : result.reasons()) {
          out.println("  " + offerFile + ": " + pointer(r.pointer()) + ": " + r.message());
        }
      }
      out.flush();
      return result.narrowed() ? OK : SluiceCli.EXIT_REFUSED;
    }
  }
}
