/**
 * The kernel primitives on their own (api.md {@code org.pfncache.sync}): a seqcount reader never
 * accepts a torn pair, an SRCU grace period waits for the readers that began before it (on a
 * fresh and on an aged domain), the spinning and reader-writer locks exclude each other and
 * publish what was written under them, and the rwlock's reader-biased token path is excluded by
 * writeLock (bias revocation) and refused by tryWriteLock. Every lock is made in a guard domain
 * with {@code GuardPolicy.OFF}: the guard is not under test.
 */
package org.pfncache.stress.primitives;
