package io.sluice.psi;

import io.sluice.compute.runtime.FrameVocabulary;
import io.sluice.compute.runtime.PeerChannel;
import io.sluice.compute.runtime.WireFrame;
import java.time.Duration;
import java.util.Locale;

/** PSI's frames as the computation runtime carries them: {@link FrameType}, over a channel. */
public final class PsiFrames {
  private PsiFrames() {}

  /** The PSI frame types: CANCEL stops a session; BLINDED, REPLY and SENDER_SET carry rows. */
  public static final FrameVocabulary VOCABULARY =
      new FrameVocabulary() {
        @Override
        public String kind() {
          return "PSI";
        }

        @Override
        public boolean knows(int type) {
          for (FrameType t : FrameType.values()) {
            if (t.code() == type) {
              return true;
            }
          }
          return false;
        }

        @Override
        public String name(int type) {
          return FrameType.ofCode(type).name().toLowerCase(Locale.ROOT);
        }

        @Override
        public boolean stops(int type) {
          return type == FrameType.CANCEL.code();
        }

        @Override
        public long dataRows(WireFrame frame) {
          return Frame.of(frame).dataRows();
        }
      };

  /**
   * A PSI party's channel over a runtime channel.
   *
   * @param closes whether the party's close ends the runtime channel (false when the node still
   *     exchanges control messages after the protocol's last frame and closes it itself)
   */
  public static PsiChannel over(PeerChannel channel, boolean closes) {
    return new PsiChannel() {
      @Override
      public void send(Frame frame) {
        channel.send(frame.toWire());
      }

      @Override
      public Frame receive(Duration timeout) {
        return Frame.of(channel.receive(timeout));
      }

      @Override
      public int maxFrameBytes() {
        return channel.maxFrameBytes();
      }

      @Override
      public void close() {
        if (closes) {
          channel.close();
        }
      }
    };
  }
}
