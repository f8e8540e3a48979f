package io.sluice.node.demo;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Synthetic but realistic claims data: a public fund's settled hospital visits, and insurers'
 * claims for their policyholders, about 60% of them visits the fund also settled. National ids look
 * like health insurance numbers (a letter and nine digits); insurers write them in their own way
 * (lower case, padded), which the PSI key rules normalize. Seeded, so a demo run is reproducible;
 * the fund-paid amounts are kept to check what the insurer learns.
 */
public final class DemoData {
  /** One settled visit: what the fund paid. */
  public record Settlement(
      String nationalId,
      LocalDate visit,
      BigDecimal totalCost,
      BigDecimal fundPaid,
      LocalDate settled) {}

  private static final String[] DRG = {
    "F62C", "G67B", "I68D", "E79C", "B70F", "K62C", "L63F", "F71B", "I47B", "G47B"
  };

  private final List<Settlement> settlements = new ArrayList<>();
  private final Map<String, Settlement> byVisit = new HashMap<>();

  private DemoData() {}

  /** Writes the fund's settlements CSV with {@code rows} visits. */
  public static DemoData fund(Path file, int rows, long seed) {
    DemoData data = new DemoData();
    Random random = new Random(seed);
    LocalDate start = LocalDate.of(2026, 1, 1);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(
          "national_id,visit_date,hospital_code,diagnosis_group,total_cost,settled_amount,settlement_date\n");
      for (int i = 0; i < rows; i++) {
        String id =
            (char) ('A' + random.nextInt(26))
                + String.format(Locale.ROOT, "%09d", random.nextInt(1_000_000_000));
        LocalDate visit = start.plusDays(random.nextInt(300));
        BigDecimal total =
            BigDecimal.valueOf(80 + random.nextInt(24_000))
                .add(BigDecimal.valueOf(random.nextInt(100), 2));
        BigDecimal share = BigDecimal.valueOf(70 + random.nextInt(21), 2); // the fund pays 70-90%
        BigDecimal paid = total.multiply(share).setScale(2, RoundingMode.HALF_UP);
        LocalDate settled = visit.plusDays(14 + random.nextInt(46));
        Settlement s = new Settlement(id, visit, total, paid, settled);
        if (data.byVisit.putIfAbsent(key(id, visit), s) != null) {
          continue;
        }
        data.settlements.add(s);
        w.write(
            id
                + ","
                + visit
                + ",H"
                + String.format(Locale.ROOT, "%05d", random.nextInt(2000))
                + ","
                + DRG[random.nextInt(DRG.length)]
                + ","
                + total.toPlainString()
                + ","
                + paid.toPlainString()
                + ","
                + settled
                + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return data;
  }

  /**
   * Writes an insurer's claims CSV with {@code rows} claims, a share {@code overlap} of them for
   * visits the fund settled (the rest are visits the fund never saw, about one in fifty of them
   * without a national id). Returns how many overlap.
   */
  public int insurer(Path file, String prefix, int rows, double overlap, long seed) {
    Random random = new Random(seed);
    int known = 0;
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("claim_id,policy_number,national_id,visit_date,claimed_amount\n");
      for (int i = 0; i < rows; i++) {
        String id;
        LocalDate visit;
        BigDecimal claimed;
        if (random.nextDouble() < overlap && !settlements.isEmpty()) {
          Settlement s = settlements.get(random.nextInt(settlements.size()));
          id = s.nationalId();
          visit = s.visit();
          claimed = s.totalCost();
          known++;
        } else if (random.nextInt(50) == 0) {
          id = ""; // a claim whose form came in without an id: it matches nothing
          visit = LocalDate.of(2026, 1, 1).plusDays(random.nextInt(300));
          claimed = BigDecimal.valueOf(80 + random.nextInt(24_000));
        } else {
          id =
              (char) ('A' + random.nextInt(26))
                  + String.format(Locale.ROOT, "%09d", random.nextInt(1_000_000_000));
          visit = LocalDate.of(2026, 1, 1).plusDays(random.nextInt(300));
          claimed =
              BigDecimal.valueOf(80 + random.nextInt(24_000))
                  .add(BigDecimal.valueOf(random.nextInt(100), 2));
        }
        String written =
            random.nextInt(3) == 0
                ? " " + id.toLowerCase(Locale.ROOT) + " "
                : id; // insurers' own spelling
        w.write(
            String.format(
                Locale.ROOT,
                "CLM-%s-%06d,POL-%s-%05d,%s,%s,%s%n",
                prefix,
                i,
                prefix,
                random.nextInt(100_000),
                written,
                visit,
                claimed.toPlainString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return known;
  }

  /** The fund's settlement of a visit, if any (to check what PSI revealed). */
  public Settlement settlement(String nationalId, LocalDate visit) {
    return byVisit.get(key(nationalId.strip().toUpperCase(Locale.ROOT), visit));
  }

  public int size() {
    return settlements.size();
  }

  private static String key(String id, LocalDate visit) {
    return id + "|" + visit;
  }
}
