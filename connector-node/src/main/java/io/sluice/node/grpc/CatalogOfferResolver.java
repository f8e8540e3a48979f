package io.sluice.node.grpc;

import io.grpc.ClientInterceptors;
import io.grpc.StatusRuntimeException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.CatalogRequest;
import io.sluice.proto.v1.CatalogResponse;
import io.sluice.proto.v1.CatalogServiceGrpc;
import io.sluice.proto.v1.Dataset;
import io.sluice.proto.v1.Offer;
import java.util.concurrent.TimeUnit;

/** Finds an offer (and its policy) in a provider's catalog, as the provider shows it to us. */
public final class CatalogOfferResolver implements ContractGrpcService.OfferResolver {
  private final PeerChannels peers;
  private final long deadlineMillis;

  public CatalogOfferResolver(PeerChannels peers, long deadlineMillis) {
    this.peers = peers;
    this.deadlineMillis = deadlineMillis;
  }

  @Override
  public String[] resolve(String provider, String datasetId, String offerId, String traceId) {
    CatalogResponse catalog;
    try {
      catalog =
          CatalogServiceGrpc.newBlockingStub(
                  ClientInterceptors.intercept(
                      peers.channel(provider), TraceIds.clientInterceptor(traceId)))
              .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
              .list(CatalogRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e, provider);
    }
    Dataset dataset =
        catalog.getDatasetsList().stream()
            .filter(d -> d.getDatasetId().equals(datasetId))
            .findFirst()
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        provider + " publishes no dataset '" + datasetId + "'"));
    if (dataset.getOffersCount() == 0) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED,
          provider + " offers dataset '" + datasetId + "' to no participant with our claims");
    }
    Offer offer =
        offerId == null || offerId.isEmpty()
            ? dataset.getOffers(0)
            : dataset.getOffersList().stream()
                .filter(o -> o.getOfferId().equals(offerId))
                .findFirst()
                .orElseThrow(
                    () ->
                        new SluiceException(
                            ErrorCode.NOT_FOUND,
                            provider
                                + " shows us no offer '"
                                + offerId
                                + "' for '"
                                + datasetId
                                + "'"));
    return new String[] {offer.getOfferId(), offer.getPolicyJson()};
  }
}
