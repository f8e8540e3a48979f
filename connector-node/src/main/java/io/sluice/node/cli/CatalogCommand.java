package io.sluice.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.proto.v1.CatalogRequest;
import io.sluice.proto.v1.CatalogResponse;
import io.sluice.proto.v1.CatalogServiceGrpc;
import io.sluice.proto.v1.Column;
import io.sluice.proto.v1.Dataset;
import io.sluice.proto.v1.Offer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice catalog}: what a peer publishes, as it shows it to us. */
@Command(
    name = "catalog",
    mixinStandardHelpOptions = true,
    description =
        "List a peer's datasets with schema, row count and the offers our certificate's claims"
            + " qualify for.")
final class CatalogCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin VerboseOption verbose;
  @Mixin ContractCommand.Common common;

  @Option(
      names = "--peer",
      paramLabel = "ID",
      description = "The peer (default: this node itself).")
  String peer;

  @Override
  public Integer call() {
    try (NodeClient client = NodeClient.connect(common.config, peer)) {
      CatalogResponse catalog =
          client.call(
              CatalogServiceGrpc.newBlockingStub(client.channel()),
              s -> s.list(CatalogRequest.getDefaultInstance()));
      PrintWriter out = spec.commandLine().getOut();
      if (common.json) {
        ObjectNode root = ContractCommand.JSON.createObjectNode();
        root.put("participant", catalog.getParticipantId());
        ArrayNode datasets = root.putArray("datasets");
        for (Dataset d : catalog.getDatasetsList()) {
          ObjectNode o = datasets.addObject();
          o.put("id", d.getDatasetId());
          o.put("title", d.getTitle());
          o.put("rows", d.getRowCount());
          ArrayNode columns = o.putArray("columns");
          for (Column c : d.getColumnsList()) {
            columns
                .addObject()
                .put("name", c.getName())
                .put("type", c.getType())
                .put("nullable", c.getNullable());
          }
          ArrayNode offers = o.putArray("offers");
          for (Offer offer : d.getOffersList()) {
            ObjectNode of = offers.addObject();
            of.put("id", offer.getOfferId());
            try {
              of.set("policy", ContractCommand.JSON.readTree(offer.getPolicyJson()));
            } catch (java.io.IOException e) {
              of.put("policy", offer.getPolicyJson());
            }
          }
        }
        out.println(ContractCommand.pretty(root));
        return 0;
      }
      out.println(
          "catalog of "
              + catalog.getParticipantId()
              + " ("
              + catalog.getDatasetsCount()
              + " datasets)");
      for (Dataset d : catalog.getDatasetsList()) {
        out.println();
        out.println(
            "dataset "
                + d.getDatasetId()
                + "  \""
                + d.getTitle()
                + "\"  "
                + d.getRowCount()
                + " rows");
        for (Column c : d.getColumnsList()) {
          out.println(
              "  " + c.getName() + " " + c.getType() + (c.getNullable() ? "" : " not null"));
        }
        if (d.getOffersCount() == 0) {
          out.println("  (no offer for you)");
        }
        for (Offer offer : d.getOffersList()) {
          out.println("  offer " + offer.getOfferId());
        }
      }
      return 0;
    }
  }
}
