/**
 * The kernel primitives on their own (api.md {@code org.pfncache.sync}): a seqcount reader never
 * accepts a torn pair, an SRCU grace period waits for the readers that began before it, and the
 * spinning and reader-writer locks exclude each other and publish what was written under them.
 * Every lock is made in a guard domain with {@code GuardPolicy.OFF}: the guard is not under test.
 */
package org.pfncache.stress.primitives;
