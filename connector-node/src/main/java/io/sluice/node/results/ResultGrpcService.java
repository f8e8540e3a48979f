package io.sluice.node.results;

import io.grpc.stub.StreamObserver;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.grpc.Caller;
import io.sluice.proto.v1.ListResultsRequest;
import io.sluice.proto.v1.ListResultsResponse;
import io.sluice.proto.v1.PurgeResultsRequest;
import io.sluice.proto.v1.PurgeResultsResponse;
import io.sluice.proto.v1.ResultServiceGrpc;
import io.sluice.proto.v1.ResultView;
import io.sluice.results.ResultRecord;
import io.sluice.results.ResultRetention;
import io.sluice.results.ViolatedDuty;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code sluice.v1.ResultService}: the node's own operator (a certificate of this participant)
 * lists the result files the node keeps and purges them. Nobody else may call it: a peer learns
 * nothing about our results from us.
 */
public final class ResultGrpcService extends ResultServiceGrpc.ResultServiceImplBase {
  private final String self;
  private final ResultRetention retention;

  public ResultGrpcService(String self, ResultRetention retention) {
    this.self = self;
    this.retention = retention;
  }

  private void requireSelf() {
    if (!Caller.current().participant().equals(self)) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + self + " itself may manage its results");
    }
  }

  @Override
  public void list(ListResultsRequest request, StreamObserver<ListResultsResponse> response) {
    requireSelf();
    List<ResultRecord> records = retention.list(agreement(request.getAgreementId()));
    response.onNext(ListResultsResponse.newBuilder().addAllResults(views(records)).build());
    response.onCompleted();
  }

  @Override
  public void purge(PurgeResultsRequest request, StreamObserver<PurgeResultsResponse> response) {
    requireSelf();
    List<ResultRecord> purged =
        switch (request.getSelectCase()) {
          case RESULT_ID -> List.of(retention.purge(request.getResultId()));
          case EXPIRED -> retention.purgeExpired();
          case ALL -> retention.purgeAll(agreement(request.getAll().getAgreementId()));
          case SELECT_NOT_SET ->
              throw new SluiceException(
                  ErrorCode.INVALID_ARGUMENT, "name a result, the expired ones, or all");
        };
    response.onNext(PurgeResultsResponse.newBuilder().addAllResults(views(purged)).build());
    response.onCompleted();
  }

  private static Optional<String> agreement(String id) {
    return id.isEmpty() ? Optional.empty() : Optional.of(id);
  }

  private List<ResultView> views(List<ResultRecord> records) {
    return records.stream().map(this::view).toList();
  }

  private ResultView view(ResultRecord r) {
    ResultView.Builder v =
        ResultView.newBuilder()
            .setResultId(r.id())
            .setAgreementId(r.agreementId())
            .setSessionId(r.sessionId())
            .setTraceId(r.traceId())
            .setOutputPath(r.output().path().toString())
            .setSha256(r.output().sha256())
            .setSizeBytes(r.output().bytes())
            .setRows(r.output().rows())
            .setCreatedMs(r.createdAt().toEpochMilli())
            .setState(r.state().name())
            .setNote(r.note())
            .setViolation(retention.violation(r).map(ViolatedDuty::reason).orElse(""));
    r.duty()
        .ifPresent(
            d ->
                v.setDutyPointer(d.pointer())
                    .setRetention(d.retention())
                    .setDeleteByMs(d.deleteBy().toEpochMilli()));
    r.deletedAt().map(Instant::toEpochMilli).ifPresent(v::setDeletedMs);
    return v.build();
  }
}
