package io.sluice.node.grpc;

import io.grpc.Context;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;

/** The authenticated caller of the current RPC, as the handshake proved it. */
public final class Caller {
  static final Context.Key<PeerIdentity> KEY = Context.key("sluice-caller");

  private Caller() {}

  /** The caller of the current call; fails if the call did not pass authentication. */
  public static PeerIdentity current() {
    PeerIdentity identity = KEY.get();
    if (identity == null) {
      throw new SluiceException(ErrorCode.UNAUTHENTICATED, "no authenticated caller");
    }
    return identity;
  }

  /** A context in which {@link #current()} returns {@code identity}. */
  public static Context with(Context context, PeerIdentity identity) {
    return context.withValue(KEY, identity);
  }
}
