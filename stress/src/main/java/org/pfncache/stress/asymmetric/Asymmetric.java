package org.pfncache.stress.asymmetric;

import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;
import org.pfncache.sync.AsymmetricFence;

/** What the tests here share: the guard domain (off: not under test) and the flavour result. */
final class Asymmetric {
    static final Guard GUARD = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);
    static final AsymmetricFence FENCE = AsymmetricFence.get();
    /** The last result of each correctness test: 1 when readers are asymmetric, 0 when fenced. */
    static final int FLAVOUR = FENCE.asymmetric() ? 1 : 0;

    /** Cold lines for {@link #fillStoreBuffer()}: 64 MiB, far more than this machine's caches. */
    private static final long[] COLD = new long[8 << 20];
    /** Where the next cold stores go; each reader actor thread only races itself (a lost update is harmless). */
    private static int cursor;

    private Asymmetric() {
    }

    /**
     * Stores to a few cache lines that are not in the cache, called just before a reader's
     * publishing store. x86 commits stores in program order, so the publishing store waits in the
     * store buffer behind these misses while the reader's later loads go ahead: it widens the
     * window that a missing membarrier leaves open. Mutations run once each on JDK 25 (quick
     * mode, 2 forks): with the membarrier removed from RwLock's revocation,
     * RwLock_AsymmetricReader caught the writer inside a record reader's section in 294,339 of
     * 1,320,442 samples with these stores (once in 1.2 million without them); with Srcu's scan
     * fence A a plain full fence, Srcu_AsymmetricReader caught a completed grace period under a
     * reader in 216,509 of 1,444,962.
     */
    static void fillStoreBuffer() {
        int c = cursor;
        for (int i = 0; i < 8; i++) {
            c = (c + 0x9E3779B1) & (COLD.length - 1) & ~7; // a new line each time, scattered
            COLD[c] = i;
        }
        cursor = c;
    }
}
