/**
 * I6, liveness after a non-blockable invalidation, for the strategies whose non-blockable outcome
 * is RETRY (RWLOCK-TRY, SRCU): see {@link org.pfncache.stress.liveness.NonBlockableLivenessScenario}.
 * For RWLOCK and SEQCOUNT a non-blockable start never fails, so there is nothing to roll back.
 */
package org.pfncache.stress.liveness;
