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
 * starts, lists, shows and terminates negotiations. Nobody else may call it. A request may carry
 * the client's request id: a repeat with the same id (say, after the call failed with UNAVAILABLE)
 * returns the negotiation the first call started, and Show finds it by that id.
 */
public final class ContractGrpcService extends ContractServiceGrpc.ContractServiceImplBase {
  static final int MAX_REQUEST_ID = 128;
  private static final java.util.regex.Pattern REQUEST_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._:-]+");

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
    String requestId = request.getRequestId();
    String digest = "";
    if (!requestId.isEmpty()) {
      requireValidRequestId(requestId);
      digest = digest(request);
      // A repeat gets the negotiation the first call started, without asking the provider again.
      var known = manager.findRequest(requestId, digest);
      if (known.isPresent()) {
        respond(response, details(manager.drive(known.get().id())));
        return;
      }
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
                traceId,
                requestId,
                digest));
    respond(response, details(n));
  }

  /** Request ids are the client's: short, printable, safe in logs and on a command line. */
  static void requireValidRequestId(String id) {
    if (id.length() > MAX_REQUEST_ID || !REQUEST_ID.matcher(id).matches()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "a request id is 1 to " + MAX_REQUEST_ID + " of A-Z a-z 0-9 . _ : -");
    }
  }

  /**
   * What identifies a request apart from its id: SHA-256 over the client's fields as sent (before
   * the node fills in an offer), so a repeat matches even if the provider's catalog changed.
   */
  static String digest(RequestContractRequest request) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try {
      com.google.protobuf.CodedOutputStream out =
          com.google.protobuf.CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      request.toBuilder().clearRequestId().build().writeTo(out);
      out.flush();
    } catch (java.io.IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode the request", e);
    }
    return Agreements.sha256Hex(bytes.toByteArray());
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
        .or(() -> manager.findByRequestId(id))
        .orElseThrow(
            () ->
                new SluiceException(
                    ErrorCode.NOT_FOUND, "no negotiation, agreement or request id " + id));
  }

  ContractDetails details(Negotiation n) {
    ContractDetails.Builder b = ContractDetails.newBuilder().setNegotiation(summary(n));
    store.clientRequestOf(n.id()).ifPresent(r -> b.setRequestId(r.requestId()));
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
        .setDeliveryFailures(n.attempts())
        .setNextAttemptMs(n.hasPending() ? n.outgoing().nextAttemptMs() : 0)
        .build();
  }

  private static <T> void respond(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
