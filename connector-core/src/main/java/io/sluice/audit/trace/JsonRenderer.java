package io.sluice.audit.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.audit.AuditEvent;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.io.StringWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;

/**
 * The whole report as JSON, format {@value #FORMAT} (documented in {@code docs/audit-trace.md}).
 * Members are written in a fixed order, indented by two spaces, lines ending in {@code \n}.
 */
final class JsonRenderer {
  static final String FORMAT = "sluice.audit.trace/1";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private JsonRenderer() {}

  static String render(TraceReport report) {
    StringWriter out = new StringWriter();
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    Separators separators =
        Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("");
    DefaultPrettyPrinter pretty =
        new DefaultPrettyPrinter(separators)
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.setPrettyPrinter(pretty);
      write(report, json);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot write the trace report", e);
    }
    return out.append('\n').toString();
  }

  private static void write(TraceReport report, JsonGenerator json) throws IOException {
    json.writeStartObject();
    json.writeStringField("format", FORMAT);
    json.writeStringField("traceId", report.traceId());
    json.writeStringField("status", report.status().name());
    json.writeArrayFieldStart("agreements");
    for (String agreement : report.agreements()) {
      json.writeString(agreement);
    }
    json.writeEndArray();

    json.writeObjectFieldStart("summary");
    json.writeNumberField("entries", report.timeline().size());
    json.writeNumberField("transfers", report.transfers().size());
    json.writeNumberField("framesPaired", report.framesPaired());
    json.writeNumberField("messagesPaired", report.messagesPaired());
    json.writeNumberField("discrepancies", report.discrepancies().size());
    json.writeNumberField("notes", report.notes().size());
    json.writeEndObject();

    json.writeArrayFieldStart("participants");
    for (Participant p : report.participants()) {
      json.writeStartObject();
      json.writeStringField("id", p.id());
      json.writeBooleanField("queried", p.queried());
      json.writeNumberField("entries", p.entries());
      json.writeBooleanField("proofsVerified", p.proofsVerified());
      json.writeStringField("problem", p.problem());
      json.writeEndObject();
    }
    json.writeEndArray();

    json.writeArrayFieldStart("flows");
    for (Flow f : report.flows()) {
      json.writeStartObject();
      json.writeStringField("sender", f.sender());
      json.writeStringField("receiver", f.receiver());
      json.writeNumberField("framesSent", f.framesSent());
      json.writeNumberField("framesReceived", f.framesReceived());
      json.writeNumberField("framesPaired", f.framesPaired());
      json.writeNumberField("rowsSent", f.rowsSent());
      json.writeNumberField("rowsReceived", f.rowsReceived());
      json.writeNumberField("bytesSent", f.bytesSent());
      json.writeNumberField("bytesReceived", f.bytesReceived());
      json.writeNumberField("messagesSent", f.messagesSent());
      json.writeNumberField("messagesReceived", f.messagesReceived());
      json.writeNumberField("messagesPaired", f.messagesPaired());
      json.writeNumberField("discrepancies", f.discrepancies());
      json.writeEndObject();
    }
    json.writeEndArray();

    json.writeArrayFieldStart("timeline");
    for (TimelineEntry entry : report.timeline()) {
      AuditEvent event = entry.event();
      json.writeStartObject();
      json.writeNumberField("index", entry.index());
      json.writeStringField("node", entry.node());
      json.writeNumberField("sequence", entry.entry().sequence());
      json.writeStringField("time", event.time().toString());
      json.writeNumberField("timeMicros", event.timeMicros());
      json.writeStringField("type", event.type().name());
      json.writeStringField("traceId", event.traceId());
      json.writeStringField("sessionId", event.sessionId());
      json.writeStringField("actor", event.actor());
      json.writeStringField("counterparty", event.counterparty());
      json.writeStringField("agreementId", event.agreementId());
      json.writeStringField("digest", HexFormat.of().formatHex(event.digest()));
      json.writeFieldName("details");
      details(event, json);
      json.writeEndObject();
    }
    json.writeEndArray();

    json.writeArrayFieldStart("transfers");
    List<Transfer> transfers = report.transfers();
    for (int i = 0; i < transfers.size(); i++) {
      Transfer t = transfers.get(i);
      json.writeStartObject();
      json.writeNumberField("index", i);
      json.writeStringField("kind", t.isFrame() ? "FRAME" : "MESSAGE");
      json.writeStringField("sender", t.sender());
      json.writeStringField("receiver", t.receiver());
      if (t.key() instanceof Transfer.FrameKey frame) {
        json.writeStringField("stream", frame.stream());
        json.writeNumberField("frame", frame.frame());
      } else if (t.key() instanceof Transfer.MessageKey message) {
        json.writeStringField("message", message.message());
      }
      json.writeStringField("status", t.status().name());
      index(json, "sent", t.sent());
      index(json, "received", t.received());
      json.writeEndObject();
    }
    json.writeEndArray();

    findings(json, "discrepancies", report.discrepancies());
    findings(json, "notes", report.notes());
    json.writeEndObject();
  }

  /** The details as stored; text that is not JSON (a node can store anything) as a string. */
  private static void details(AuditEvent event, JsonGenerator json) throws IOException {
    JsonNode details;
    try {
      details = MAPPER.readTree(event.detailsJson());
    } catch (IOException e) {
      details = null;
    }
    if (details != null && details.isObject()) {
      json.writeTree(details);
    } else {
      json.writeString(event.detailsJson());
    }
  }

  private static void index(JsonGenerator json, String field, OptionalInt index)
      throws IOException {
    if (index.isPresent()) {
      json.writeNumberField(field, index.getAsInt());
    } else {
      json.writeNullField(field);
    }
  }

  private static void findings(JsonGenerator json, String field, List<Finding> findings)
      throws IOException {
    json.writeArrayFieldStart(field);
    for (Finding f : findings) {
      json.writeStartObject();
      json.writeStringField("kind", f.kind().name());
      json.writeStringField("node", f.node());
      json.writeStringField("counterparty", f.counterparty());
      json.writeStringField("subject", f.subject());
      json.writeStringField("message", f.message());
      index(json, "transfer", f.transfer());
      json.writeArrayFieldStart("entries");
      for (int entry : f.entries()) {
        json.writeNumber(entry);
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    json.writeEndArray();
  }
}
