package io.sluice.psi;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Runs both parties of a session in one process: each party's driver on its own thread, the
 * blinding on a shared compute pool. Owns its threads and shuts them down on close; the caller owns
 * the allocator.
 */
final class PsiHarness implements AutoCloseable {
  final ExecutorService compute = Executors.newFixedThreadPool(2);
  private final ExecutorService drivers = Executors.newFixedThreadPool(2);
  final SecureRandom random = new SecureRandom();

  /** What each side returned or threw. */
  record Outcome<R, S>(R receiver, Throwable receiverError, S sender, Throwable senderError) {}

  <R, S> Outcome<R, S> run(Callable<R> receiver, Callable<S> sender) {
    Future<S> s = drivers.submit(sender);
    Future<R> r = drivers.submit(receiver);
    R rv = null;
    S sv = null;
    Throwable re = null;
    Throwable se = null;
    try {
      rv = r.get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      re = e.getCause();
    } catch (Exception e) {
      throw new AssertionError("receiver did not finish", e);
    }
    try {
      sv = s.get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      se = e.getCause();
    } catch (Exception e) {
      throw new AssertionError("sender did not finish", e);
    }
    return new Outcome<>(rv, re, sv, se);
  }

  Outcome<PsiReceiverResult, PsiSenderResult> ecdh(
      PsiConfig config,
      InMemoryPsiChannel.Pair pair,
      BufferAllocator allocator,
      List<byte[]> receiverKeys,
      List<byte[]> senderKeys) {
    return ecdh(config, config, pair, allocator, receiverKeys, senderKeys);
  }

  Outcome<PsiReceiverResult, PsiSenderResult> ecdh(
      PsiConfig receiverConfig,
      PsiConfig senderConfig,
      InMemoryPsiChannel.Pair pair,
      BufferAllocator allocator,
      List<byte[]> receiverKeys,
      List<byte[]> senderKeys) {
    EcdhPsiReceiver receiver =
        new EcdhPsiReceiver(
            receiverConfig, pair.receiverEnd(), allocator, compute, random, PsiProgress.NONE);
    EcdhPsiSender sender =
        new EcdhPsiSender(
            senderConfig, pair.senderEnd(), allocator, compute, random, PsiProgress.NONE);
    return run(
        () -> receiver.run(receiverKeys.size(), receiverKeys.iterator()),
        () -> sender.run(senderKeys.size(), senderKeys.iterator()));
  }

  Outcome<PsiReceiverResult, PsiSenderResult> label(
      PsiConfig receiverConfig,
      PsiConfig senderConfig,
      InMemoryPsiChannel.Pair pair,
      BufferAllocator allocator,
      List<byte[]> receiverKeys,
      io.sluice.crypto.oprf.OprfPrivateKey key,
      SenderTable table) {
    LabelPsiReceiver receiver =
        new LabelPsiReceiver(
            receiverConfig, pair.receiverEnd(), allocator, compute, random, PsiProgress.NONE);
    LabelPsiSender sender =
        new LabelPsiSender(
            senderConfig,
            pair.senderEnd(),
            allocator,
            compute,
            random,
            PsiProgress.NONE,
            key,
            table);
    return run(() -> receiver.run(receiverKeys.size(), receiverKeys.iterator()), sender::run);
  }

  @Override
  public void close() throws InterruptedException {
    drivers.shutdownNow();
    compute.shutdownNow();
    if (!drivers.awaitTermination(1, TimeUnit.MINUTES)
        || !compute.awaitTermination(1, TimeUnit.MINUTES)) {
      throw new AssertionError("PSI test threads did not stop");
    }
  }
}
