package io.sluice.psi;

import java.time.Duration;

/** Plays one side of the protocol by hand, to send what an honest party never would. */
final class ScriptedPeer {
  private final PsiChannel channel;
  private long sequence;

  ScriptedPeer(PsiChannel channel) {
    this.channel = channel;
  }

  void send(FrameType type, byte[] payload) {
    channel.send(new Frame(type, sequence++, payload));
  }

  Frame receive() {
    return channel.receive(Duration.ofSeconds(30));
  }

  /** Receives frames until a CANCEL and returns its error code number. */
  int awaitCancel() {
    while (true) {
      Frame f = receive();
      if (f.type() == FrameType.CANCEL) {
        return Control.decodeCancel(f.payload()).code();
      }
    }
  }

  void close() {
    channel.close();
  }
}
