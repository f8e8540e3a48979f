package io.sluice.compute.runtime;

/**
 * Told of every frame a channel carries, per direction and peer: the node records each in its audit
 * log (the bytes as they went over the wire, with their digest).
 */
public interface FrameObserver {
  FrameObserver NONE =
      new FrameObserver() {
        @Override
        public void sent(String peer, WireFrame frame, byte[] bytes) {}

        @Override
        public void received(String peer, WireFrame frame, byte[] bytes) {}
      };

  void sent(String peer, WireFrame frame, byte[] bytes);

  void received(String peer, WireFrame frame, byte[] bytes);
}
