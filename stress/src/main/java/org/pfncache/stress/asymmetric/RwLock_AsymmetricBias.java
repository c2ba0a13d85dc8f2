package org.pfncache.stress.asymmetric;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.sync.RwLock;

/**
 * RwLock, reader bias (BRAVO) against revocation: the reader takes the read side through the
 * visible-readers table while the bias is on (and keeps it); the writer tries the write side,
 * which clears the bias, calls {@code heavy()} and scans the table. Either the scan sees the
 * reader (the try fails) or the reader sees the bias cleared (it takes the lock word, which the
 * writer holds or held): a fast-path reader ({@code 1}) and a successful writer ({@code 1}) at
 * once is forbidden. The writer releases at once, so a slow-path reader is never stuck. Results:
 * the reader took the fast path, the writer took the lock, the flavour.
 */
@JCStressTest
@Description("RwLock: a fast-path reader and a write-side holder never overlap.")
@Outcome(id = {"0, [01], 1", "1, 0, 1"}, expect = Expect.ACCEPTABLE, desc = "asymmetric: one of them saw the other")
@Outcome(id = {"0, [01], 0", "1, 0, 0"}, expect = Expect.ACCEPTABLE_INTERESTING,
        desc = "fenced readers ran (no membarrier here): the asymmetric path was not tested")
@Outcome(id = "1, 1, .*", expect = Expect.FORBIDDEN, desc = "the writer got in under a fast-path reader")
@State
public class RwLock_AsymmetricBias {
    private final RwLock lock = new RwLock("asymmetric", Asymmetric.GUARD);

    @Actor
    public void reader(III_Result r) {
        r.r1 = lock.readLockToken() > 0 ? 1 : 0; // held to the end of the sample
        r.r3 = Asymmetric.FLAVOUR;
    }

    @Actor
    public void writer(III_Result r) {
        if (lock.tryWriteLock()) {
            r.r2 = 1;
            lock.writeUnlock();
        }
    }
}
