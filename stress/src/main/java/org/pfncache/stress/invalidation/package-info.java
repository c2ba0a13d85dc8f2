/**
 * I4, no lost invalidation, per strategy: a migration inside a refresh's retry loop is never lost
 * and no check passes on the pfn it covered
 * ({@link org.pfncache.stress.invalidation.I4_CheckAfterInvalidation}), and refresh never
 * publishes while an invalidation is in progress
 * ({@link org.pfncache.stress.invalidation.I4_NoPublishDuringInvalidation}).
 */
package org.pfncache.stress.invalidation;
