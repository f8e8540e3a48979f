package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * A participant of a data space, named by the URI {@code sluice://SPACE/PARTICIPANT} that the
 * authority writes as the only URI SAN of the participant's certificate.
 */
public record ParticipantId(String space, String participant) {
  public static final String SCHEME = "sluice";

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  public ParticipantId {
    requireName("space", space);
    requireName("participant", participant);
  }

  /** Checks a space or participant name: lower-case letters, digits, '.', '_', '-', up to 63. */
  public static String requireName(String what, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          what
              + " '"
              + name
              + "' is not a valid name (lower-case letters, digits, '.', '_' or '-', starting"
              + " with a letter or digit, at most 63 characters)");
    }
    return name;
  }

  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Parses {@code sluice://SPACE/PARTICIPANT}; anything else is rejected. */
  public static ParticipantId parseUri(String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (Exception e) {
      throw new SluiceException(ErrorCode.UNAUTHENTICATED, "malformed participant URI");
    }
    String path = parsed.getPath();
    if (!SCHEME.equals(parsed.getScheme())
        || parsed.getHost() == null
        || path == null
        || path.length() < 2
        || path.indexOf('/', 1) >= 0
        || parsed.getQuery() != null
        || parsed.getFragment() != null
        || parsed.getUserInfo() != null
        || parsed.getPort() != -1
        || !isValidName(parsed.getHost())
        || !isValidName(path.substring(1))) {
      throw new SluiceException(ErrorCode.UNAUTHENTICATED, "malformed participant URI");
    }
    return new ParticipantId(parsed.getHost(), path.substring(1));
  }

  public String uri() {
    return SCHEME + "://" + space + "/" + participant;
  }

  @Override
  public String toString() {
    return uri();
  }
}
