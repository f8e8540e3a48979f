package io.sluice.node.demo;

import java.util.List;
import java.util.Map;

/** A participant a demo provisions: id, organisation, roles and signed attributes. */
public record DemoParticipant(
    String id, String organization, List<String> roles, Map<String, String> attributes) {}
