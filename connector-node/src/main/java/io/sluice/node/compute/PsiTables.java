package io.sluice.node.compute;

import io.sluice.compute.KeyBinding;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.Agreements;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.Role;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyTerms;
import io.sluice.proto.v1.PreparePsiRequest;
import io.sluice.proto.v1.PreparePsiResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A provider's labelled-PSI table of the current key epoch, built ahead of time on request. */
final class PsiTables {
  private final ComputeContext context;

  PsiTables(ComputeContext context) {
    this.context = context;
  }

  PreparePsiResponse prepare(PreparePsiRequest request) {
    NegotiationStore.StoredAgreement stored =
        context
            .store()
            .agreement(request.getAgreementId())
            .filter(a -> a.role() == Role.PROVIDER)
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        "no agreement " + request.getAgreementId() + " where we provide the data"));
    PolicyTerms terms =
        PolicyTerms.of(
            PolicyCodec.parse(
                Agreements.parse(Agreements.parseSigned(stored.signedAgreement()))
                    .getPolicy()
                    .toString(StandardCharsets.UTF_8)));
    var dataset =
        context
            .catalog()
            .dataset(stored.datasetId())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        "dataset " + stored.datasetId() + " is not served now"));
    List<String> reveal =
        request.getPayloadColumnsCount() > 0
            ? request.getPayloadColumnsList()
            : terms.outputColumns().map(c -> c.stream().sorted().toList()).orElse(List.of());
    var prepared =
        context.prepare(
            stored.agreementId(),
            dataset,
            KeyBinding.choose(terms, request.getKeyColumns()),
            reveal);
    return PreparePsiResponse.newBuilder()
        .setKeyEpoch(prepared.table().keyEpoch())
        .setRows(prepared.table().rows())
        .setElapsedMs(prepared.buildMillis())
        .build();
  }
}
