package io.sluice.results;

/**
 * A delete duty of an agreement that was not fulfilled for one of its results (see {@link
 * ResultRetention#violatedDuties}). A permission whose duty is violated is no longer in force.
 *
 * @param pointer the duty's JSON pointer in the agreement's policy, e.g. {@code
 *     /permission/0/duty/0}
 * @param reason one sentence naming the result id and the deadline; never the file's contents
 */
public record ViolatedDuty(String pointer, String reason) {}
