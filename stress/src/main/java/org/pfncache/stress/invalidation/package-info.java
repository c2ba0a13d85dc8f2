/**
 * I4, no lost invalidation, per strategy: a check after a completed invalidation fails until a
 * refresh ({@link org.pfncache.stress.invalidation.CheckAfterInvalidationScenario}), and refresh
 * never publishes while an invalidation is in progress
 * ({@link org.pfncache.stress.invalidation.NoPublishDuringInvalidationScenario}).
 */
package org.pfncache.stress.invalidation;
