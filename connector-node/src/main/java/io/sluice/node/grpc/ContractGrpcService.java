package io.sluice.node.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.negotiation.Agreements;
import io.sluice.negotiation.Negotiation;
import io.sluice.negotiation.NegotiationManager;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.proto.v1.ContractDetails;
import io.sluice.proto.v1.ContractServiceGrpc;
import io.sluice.proto.v1.ListContractsRequest;
import io.sluice.proto.v1.ListContractsResponse;
import io.sluice.proto.v1.NegotiationSummary;
import io.sluice.proto.v1.RequestContractRequest;
import io.sluice.proto.v1.ShowContractRequest;
import io.sluice.proto.v1.SignedAgreementView;
import io.sluice.proto.v1.TerminateContractRequest;
import java.util.Comparator;

/**
 * {@code sluice.v1.ContractService}: the node's own operator (a certificate of this participant)
 * starts, lists, shows and terminates negotiations. Nobody else may call it.
 */
public final class ContractGrpcService extends ContractServiceGrpc.ContractServiceImplBase {
  /** Resolves the offer and policy a request should use when the caller left them out. */
  public interface OfferResolver {
    /** Returns {offerId, policyJson} for the dataset at the provider. */
    String[] resolve(String provider, String datasetId, String offerId, String traceId);
  }

  private final String self;
  private final NegotiationManager manager;
  private final NegotiationStore store;
  private final AuthorityTrust trust;
  private final OfferResolver resolver;

  public ContractGrpcService(
      String self,
      NegotiationManager manager,
      NegotiationStore store,
      AuthorityTrust trust,
      OfferResolver resolver) {
    this.self = self;
    this.manager = manager;
    this.store = store;
    this.trust = trust;
    this.resolver = resolver;
  }

  private void requireSelf() {
    if (!Caller.current().participant().equals(self)) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + self + " itself may manage its contracts");
    }
  }

  @Override
  public void request(RequestContractRequest request, StreamObserver<ContractDetails> response) {
    requireSelf();
    if (request.getProvider().isEmpty() || request.getDatasetId().isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "provider and dataset are required");
    }
    String traceId = java.util.UUID.randomUUID().toString();
    String offerId = request.getOfferId();
    String policy = request.getPolicyJson();
    if (offerId.isEmpty() || policy.isEmpty()) {
      String[] resolved =
          resolver.resolve(request.getProvider(), request.getDatasetId(), offerId, traceId);
      offerId = resolved[0];
      if (policy.isEmpty()) {
        policy = resolved[1];
      }
    }
    Negotiation n =
        manager.request(
            new NegotiationManager.ConsumerRequest(
                request.getProvider(),
                request.getDatasetId(),
                offerId,
                request.getPurpose(),
                policy,
                request.getAcceptableJson(),
                traceId));
    respond(response, details(n));
  }

  @Override
  public void list(ListContractsRequest request, StreamObserver<ListContractsResponse> response) {
    requireSelf();
    ListContractsResponse.Builder b = ListContractsResponse.newBuilder();
    manager.list().stream()
        .sorted(Comparator.comparingLong(Negotiation::createdMs))
        .forEach(n -> b.addNegotiations(summary(n)));
    respond(response, b.build());
  }

  @Override
  public void show(ShowContractRequest request, StreamObserver<ContractDetails> response) {
    requireSelf();
    respond(response, details(find(request.getId())));
  }

  @Override
  public void terminate(
      TerminateContractRequest request, StreamObserver<ContractDetails> response) {
    requireSelf();
    if (request.getReason().isBlank()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a reason is required");
    }
    Negotiation n = manager.terminate(find(request.getId()).id(), request.getReason());
    respond(response, details(n));
  }

  private Negotiation find(String id) {
    return manager
        .find(id)
        .or(() -> manager.list().stream().filter(n -> n.agreementId().equals(id)).findFirst())
        .orElseThrow(
            () -> new SluiceException(ErrorCode.NOT_FOUND, "no negotiation or agreement " + id));
  }

  ContractDetails details(Negotiation n) {
    ContractDetails.Builder b = ContractDetails.newBuilder().setNegotiation(summary(n));
    if (!n.agreementId().isEmpty()) {
      store
          .agreement(n.agreementId())
          .ifPresent(
              a -> {
                var signed = Agreements.parseSigned(a.signedAgreement());
                Agreements.Check check = Agreements.check(signed, trust);
                SignedAgreementView.Builder view =
                    SignedAgreementView.newBuilder()
                        .setSignedAgreement(ByteString.copyFrom(a.signedAgreement()))
                        .setProviderSignatureValid(check.providerValid())
                        .setConsumerSignatureValid(check.consumerValid())
                        .addAllProblems(check.problems());
                if (a.terminated()) {
                  view.addProblems("agreement terminated: " + a.terminatedReason());
                }
                b.setAgreement(view);
              });
    }
    return b.build();
  }

  static NegotiationSummary summary(Negotiation n) {
    return NegotiationSummary.newBuilder()
        .setNegotiationId(n.id())
        .setRole(n.role().name())
        .setCounterparty(n.counterparty())
        .setDatasetId(n.datasetId())
        .setOfferId(n.offerId())
        .setState(n.state().name())
        .setAgreementId(n.agreementId())
        .addAllReasons(n.reasons())
        .setUpdatedMs(n.updatedMs())
        .build();
  }

  private static <T> void respond(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
