/**
 * I5 and I6, for the strategies whose non-blockable outcome is RETRY (RWLOCK-TRY, SRCU): a
 * non-blockable invalidation returns in bounded time with a reader inside
 * ({@link org.pfncache.stress.liveness.I5_NonBlocking}), and a RETRY leaves no stuck count and a
 * refresh completes after it ({@link org.pfncache.stress.liveness.I6_NonBlockableLiveness}).
 */
package org.pfncache.stress.liveness;
