package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.regex.Pattern;

/**
 * Which session this is: the terms it runs under (an agreement or collaboration id), its session id
 * (chosen by the initiator, the same on every node of the session) and its kind's policy name.
 */
public record SessionKey(String termsId, String sessionId, String kind) {
  private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern TERMS = Pattern.compile("[A-Za-z0-9._:-]{1,120}");

  /**
   * @throws SluiceException MALFORMED_MESSAGE for an id off the wire that is not well formed
   */
  public SessionKey {
    if (sessionId == null || !SESSION.matcher(sessionId).matches()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed session id");
    }
    if (termsId == null || !TERMS.matcher(termsId).matches()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed agreement id");
    }
    if (kind == null || kind.isEmpty()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "no computation kind");
    }
  }
}
