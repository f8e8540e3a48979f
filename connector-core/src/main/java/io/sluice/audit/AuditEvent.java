package io.sluice.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One thing that happened on a node, as the audit log records it. Immutable; made with {@link
 * #builder(EventType)}.
 *
 * <p>Identifiers ({@code traceId}, {@code sessionId}, {@code actor}, {@code counterparty}, {@code
 * agreementId}) are Sluice's own: trace and session ids, participant ids ({@code
 * sluice://space/participant}), agreement ids. The empty string means "none" (a configuration
 * change has no counterparty). Details are a small JSON object checked by a guard (see the
 * builder); raw identifiers, payload values and key material never go into an event.
 *
 * <p>Time has microsecond precision; the builder truncates to it so that an event read back from
 * the store equals the one appended.
 */
public final class AuditEvent {
  private static final int MAX_ID_LENGTH = 256;
  private static final int MAX_DIGEST_LENGTH = 64;

  private final Instant time;
  private final EventType type;
  private final String traceId;
  private final String sessionId;
  private final String actor;
  private final String counterparty;
  private final String agreementId;
  private final byte[] digest;
  private final String details;

  private AuditEvent(
      Instant time,
      EventType type,
      String traceId,
      String sessionId,
      String actor,
      String counterparty,
      String agreementId,
      byte[] digest,
      String details) {
    this.time = time;
    this.type = type;
    this.traceId = traceId;
    this.sessionId = sessionId;
    this.actor = actor;
    this.counterparty = counterparty;
    this.agreementId = agreementId;
    this.digest = digest;
    this.details = details;
  }

  /** An event read back from the store: the details text is taken as stored. */
  static AuditEvent stored(
      long timeMicros,
      EventType type,
      String traceId,
      String sessionId,
      String actor,
      String counterparty,
      String agreementId,
      byte[] digest,
      String details) {
    return new AuditEvent(
        Instant.EPOCH.plus(timeMicros, ChronoUnit.MICROS),
        type,
        traceId,
        sessionId,
        actor,
        counterparty,
        agreementId,
        digest,
        details);
  }

  public static Builder builder(EventType type) {
    return new Builder(type);
  }

  public Instant time() {
    return time;
  }

  /** {@link #time()} in microseconds since the epoch, as stored and encoded. */
  public long timeMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, time);
  }

  public EventType type() {
    return type;
  }

  public String traceId() {
    return traceId;
  }

  public String sessionId() {
    return sessionId;
  }

  public String actor() {
    return actor;
  }

  public String counterparty() {
    return counterparty;
  }

  public String agreementId() {
    return agreementId;
  }

  /** The digest (e.g. SHA-256 of a frame as sent); empty when the event has none. A copy. */
  public byte[] digest() {
    return digest.clone();
  }

  /** The details as canonical JSON text. */
  public String detailsJson() {
    return details;
  }

  /** The details, parsed: a fresh object the caller may change. */
  public ObjectNode details() {
    return CanonicalJson.parse(details);
  }

  /** The entry's leaf encoding at {@code sequence} (see {@link EntryCodec}). */
  byte[] encode(long sequence) {
    return EntryCodec.encode(
        sequence,
        timeMicros(),
        type.name(),
        traceId,
        sessionId,
        actor,
        counterparty,
        agreementId,
        digest,
        details);
  }

  /** SHA-256 of the remaining bytes of {@code bytes}, without moving its position. */
  public static byte[] sha256(ByteBuffer bytes) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(bytes.duplicate());
      return sha256.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "SHA-256 is not available", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditEvent other
        && time.equals(other.time)
        && type == other.type
        && traceId.equals(other.traceId)
        && sessionId.equals(other.sessionId)
        && actor.equals(other.actor)
        && counterparty.equals(other.counterparty)
        && agreementId.equals(other.agreementId)
        && Arrays.equals(digest, other.digest)
        && details.equals(other.details);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        time,
        type,
        traceId,
        sessionId,
        actor,
        counterparty,
        agreementId,
        Arrays.hashCode(digest),
        details);
  }

  @Override
  public String toString() {
    return "AuditEvent["
        + type
        + " at "
        + time
        + (traceId.isEmpty() ? "" : ", trace " + traceId)
        + (digest.length == 0 ? "" : ", digest " + HexFormat.of().formatHex(digest))
        + ", details "
        + details
        + "]";
  }

  /** Builds an {@link AuditEvent}; {@link #time} and {@link #actor} are required. */
  public static final class Builder {
    private final EventType type;
    private Instant time;
    private String traceId = "";
    private String sessionId = "";
    private String actor = "";
    private String counterparty = "";
    private String agreementId = "";
    private byte[] digest = new byte[0];
    private final ObjectNode details = CanonicalJson.MAPPER.createObjectNode();

    private Builder(EventType type) {
      this.type = Objects.requireNonNull(type, "type");
    }

    public Builder time(Instant time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    public Builder traceId(String traceId) {
      this.traceId = id("traceId", traceId);
      return this;
    }

    public Builder sessionId(String sessionId) {
      this.sessionId = id("sessionId", sessionId);
      return this;
    }

    /** Who acted: this node's participant id, or the operator for configuration changes. */
    public Builder actor(String actor) {
      this.actor = id("actor", actor);
      return this;
    }

    public Builder counterparty(String counterparty) {
      this.counterparty = id("counterparty", counterparty);
      return this;
    }

    public Builder agreementId(String agreementId) {
      this.agreementId = id("agreementId", agreementId);
      return this;
    }

    /** A digest of what the event is about, at most 64 bytes (SHA-256 of a frame: 32). */
    public Builder digest(byte[] digest) {
      Objects.requireNonNull(digest, "digest");
      if (digest.length > MAX_DIGEST_LENGTH) {
        throw invalid("a digest is at most " + MAX_DIGEST_LENGTH + " bytes");
      }
      this.digest = digest.clone();
      return this;
    }

    public Builder detail(String key, String value) {
      details.put(key, Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder detail(String key, long value) {
      details.put(key, value);
      return this;
    }

    public Builder detail(String key, boolean value) {
      details.put(key, value);
      return this;
    }

    /** Adds every member of {@code more} to the details (see {@link CanonicalJson} for limits). */
    public Builder details(ObjectNode more) {
      details.setAll(more.deepCopy());
      return this;
    }

    /**
     * Describes one Arrow frame of a stream ({@link EventType#FRAME_SENT} or {@link
     * EventType#FRAME_RECEIVED}): details {@code stream}, {@code frame}, {@code rows} and {@code
     * bytes}, and the SHA-256 of the frame's bytes exactly as they went on (or came off) the wire,
     * computed by the caller as the frame streams.
     */
    public Builder frame(
        String streamId, long frameSequence, long rowCount, long byteCount, byte[] sha256) {
      if (type != EventType.FRAME_SENT && type != EventType.FRAME_RECEIVED) {
        throw invalid("only frame events describe a frame");
      }
      if (frameSequence < 0 || rowCount < 0 || byteCount < 0) {
        throw invalid("frame numbers must not be negative");
      }
      if (sha256.length != 32) {
        throw invalid("a frame digest is a 32-byte SHA-256");
      }
      details.put("stream", id("streamId", streamId));
      details.put("frame", frameSequence);
      details.put("rows", rowCount);
      details.put("bytes", byteCount);
      return digest(sha256);
    }

    /**
     * @throws SluiceException INVALID_ARGUMENT if time or actor is missing or the details fail the
     *     guard
     */
    public AuditEvent build() {
      if (time == null) {
        throw invalid("an audit event needs a time");
      }
      if (actor.isEmpty()) {
        throw invalid("an audit event needs an actor");
      }
      if (time.isBefore(Instant.EPOCH)) {
        throw invalid("an audit event's time must not be before the epoch");
      }
      Instant micros = time.truncatedTo(ChronoUnit.MICROS);
      try {
        ChronoUnit.MICROS.between(Instant.EPOCH, micros);
        Math.multiplyExact(micros.getEpochSecond(), 1_000_000L);
      } catch (ArithmeticException e) {
        throw invalid("an audit event's time is too far in the future");
      }
      return new AuditEvent(
          micros,
          type,
          traceId,
          sessionId,
          actor,
          counterparty,
          agreementId,
          digest,
          CanonicalJson.canonical(details));
    }

    private static String id(String what, String value) {
      Objects.requireNonNull(value, what);
      if (value.length() > MAX_ID_LENGTH) {
        throw invalid(what + " is longer than " + MAX_ID_LENGTH + " characters");
      }
      for (int i = 0; i < value.length(); i++) {
        if (Character.isISOControl(value.charAt(i))) {
          throw invalid(what + " contains a control character");
        }
      }
      return value;
    }
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
