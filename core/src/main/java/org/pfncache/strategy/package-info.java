/** The built-in invalidation strategies: RWLOCK, RWLOCK with try-lock, SRCU and SEQCOUNT. */
package org.pfncache.strategy;
