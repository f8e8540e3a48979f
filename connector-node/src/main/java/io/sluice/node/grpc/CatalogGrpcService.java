package io.sluice.node.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.catalog.Catalog;
import io.sluice.node.DatasetRegistry;
import io.sluice.proto.v1.CatalogRequest;
import io.sluice.proto.v1.CatalogResponse;
import io.sluice.proto.v1.CatalogServiceGrpc;
import io.sluice.proto.v1.Column;
import io.sluice.proto.v1.Dataset;
import io.sluice.proto.v1.Offer;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * {@code sluice.v1.CatalogService}: the datasets with schema and row count, and only the offers
 * whose participant constraints the caller's certificate claims satisfy.
 */
public final class CatalogGrpcService extends CatalogServiceGrpc.CatalogServiceImplBase {
  private final String self;
  private final DatasetRegistry registry;
  private final Catalog catalog;

  public CatalogGrpcService(String self, DatasetRegistry registry, Catalog catalog) {
    this.self = self;
    this.registry = registry;
    this.catalog = catalog;
  }

  @Override
  public void list(CatalogRequest request, StreamObserver<CatalogResponse> response) {
    var caller = Caller.current();
    registry.refreshIfStale();
    CatalogResponse.Builder out = CatalogResponse.newBuilder().setParticipantId(self);
    for (Catalog.Listing listing : catalog.listFor(caller.claims())) {
      Dataset.Builder d =
          Dataset.newBuilder()
              .setDatasetId(listing.dataset().id())
              .setTitle(listing.dataset().title())
              .setRowCount(listing.rowCount());
      for (Field f : listing.schema().getFields()) {
        d.addColumns(
            Column.newBuilder()
                .setName(f.getName())
                .setType(f.getType().toString())
                .setNullable(f.isNullable()));
      }
      listing
          .offers()
          .forEach(
              o ->
                  d.addOffers(Offer.newBuilder().setOfferId(o.id()).setPolicyJson(o.policyJson())));
      out.addDatasets(d);
    }
    response.onNext(out.build());
    response.onCompleted();
  }
}
