/**
 * Collaborations: agreements among N participants (see docs/collaborations.md). One canonical
 * document names the members, their roles, the computation and every parameter that shapes what it
 * discloses; one member proposes it, every member checks it against its own offer with the policy
 * engine and countersigns, and it is in force once every member has signed. The state machine, its
 * outbox and its idempotent message handling reuse the negotiation machinery ({@code
 * io.sluice.negotiation}); signatures go through {@link io.sluice.signing.SignedDocuments}.
 */
package io.sluice.collaboration;
