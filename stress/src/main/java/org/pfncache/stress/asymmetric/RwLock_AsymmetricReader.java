package org.pfncache.stress.asymmetric;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.pfncache.sync.RwLock;

/**
 * RwLock, a reader in its own reader record (opaque store, compiler barrier, bias load) against a
 * revoking writer (bias cleared, membarrier(2), record scan): the updater unpublishes (opaque
 * store) and then tries the write side, never waiting; the reader takes the read side and loads
 * {@code published}, and stays inside until this sample's writer has finished: the reader's next
 * sample releases it (jcstress runs the arbiter only after a whole iteration of samples, too late
 * for the reader's record to be free for the next one). A writer that got the write side
 * while the reader is inside, with the reader having seen the old state, is forbidden. The reader
 * first takes and leaves the read side once, so that its record is claimed and the lock's
 * first-use flag is set (both full fences, which would hide a missing membarrier) before the
 * measured read. Results: the reader's {@code published}, the writer's success, whether the
 * measured read went through a record (1) or another path (0: the writer revoked the bias first,
 * or fenced readers), and the flavour. A record read with a successful writer is forbidden
 * whatever the order: the reader stays inside until the writer is done, and a lock whose bias a
 * writer revoked is not re-biased within a sample (that takes 16 slow reads), so a record read
 * after the writer is impossible too. The control for the missing membarrier is
 * {@code AsymmetricFence_NoMembarrier_Broken}: the same store-buffering shape, the same reader
 * instructions.
 */
@JCStressTest
@Description("RwLock: a revoking writer never gets the write side under a record reader that saw the old state.")
@Outcome(id = {"0, 0, [01], 1", "0, 1, 0, 1", "1, 0, [01], 1"}, expect = Expect.ACCEPTABLE,
        desc = "asymmetric: the writer saw the reader, or the reader saw the unpublish or the bias off")
@Outcome(id = {"0, [01], 0, 0", "1, 0, 0, 0"}, expect = Expect.ACCEPTABLE_INTERESTING,
        desc = "fenced readers ran (no membarrier here): the asymmetric path was not tested")
@Outcome(id = "1, 1, ., .", expect = Expect.FORBIDDEN, desc = "the writer got the write side under a reader that saw the old state")
@Outcome(id = "., 1, 1, .", expect = Expect.FORBIDDEN, desc = "the writer got the write side under a reader in its record")
@State
public class RwLock_AsymmetricReader {
    private static final VarHandle PUBLISHED;

    static {
        try {
            PUBLISHED = MethodHandles.lookup().findVarHandle(RwLock_AsymmetricReader.class, "published", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RwLock lock = new RwLock("asymmetric", Asymmetric.GUARD);
    @SuppressWarnings("unused") // accessed through PUBLISHED
    private boolean published = true;
    /** The reader's token, released by the reader's next sample once {@link #writerDone} is set. */
    private int token;
    /** Set last by the updater: this sample's writer will not touch the lock again. */
    private volatile boolean writerDone;
    /**
     * The reader's previous sample, still inside its read side. Only the reader actor touches it
     * (jcstress runs one reader actor at a time); its writer never waits for the reader (a
     * tryWriteLock), so waiting for {@link #writerDone} is bounded.
     */
    private static RwLock_AsymmetricReader previous;

    @Actor
    public void reader(IIII_Result r) {
        RwLock_AsymmetricReader p = previous;
        if (p != null) {
            while (!p.writerDone) {
                Thread.onSpinWait();
            }
            p.lock.readUnlockToken(p.token); // may be another thread's record: allowed, as any read_unlock
        }
        lock.readUnlockToken(lock.readLockToken());
        Asymmetric.fillStoreBuffer(); // widens the window a missing membarrier would leave
        int t = lock.readLockToken(); // left by the arbiter: the writer must not get in under it
        r.r1 = (boolean) PUBLISHED.getOpaque(this) ? 1 : 0;
        r.r3 = t < 0 ? 1 : 0;
        r.r4 = Asymmetric.FLAVOUR;
        token = t;
        previous = this;
    }

    @Actor
    public void updater(IIII_Result r) {
        PUBLISHED.setOpaque(this, false);
        if (lock.tryWriteLock()) {
            lock.writeUnlock();
            r.r2 = 1;
        }
        writerDone = true;
    }
}
