/**
 * Results a consumer's node keeps under a delete duty: {@link io.sluice.results.ResultRetention}
 * records each result file a computation writes with its deadline ({@link
 * io.sluice.results.ResultRecord}, stored by a {@link io.sluice.results.ResultStore}), deletes it
 * when the deadline passes or the operator purges it, audits both, and reports the {@link
 * io.sluice.results.ViolatedDuty violated duties} that put a permission out of force.
 */
package io.sluice.results;
