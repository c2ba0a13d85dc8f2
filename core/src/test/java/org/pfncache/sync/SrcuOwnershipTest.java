package org.pfncache.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;

/**
 * Slot ownership on the read side: the owner test compares thread ids kept in the slot's own
 * counter line (issue 10), so it must hold only for ids the JVM gave out.
 */
@Timeout(30)
class SrcuOwnershipTest {
    private static final Guard OFF = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);

    /** A thread class that reports one id for every instance (getId() is not final before Java 19). */
    static final class SameIdThread extends Thread {
        SameIdThread(Runnable r) {
            super(r, "same-id");
        }

        @Override
        @SuppressWarnings("deprecation")
        public long getId() {
            return 7;
        }
    }

    @Test
    void aThreadOwnsItsSlotAndUnlocksOnTheOwnedPath() throws Exception {
        try (Srcu srcu = new Srcu("own", OFF)) {
            int t = srcu.readLock();
            assertEquals(0, t & 2, "a plain thread's first read section claims its slot (owned path)");
            srcu.readUnlock(t);
            assertTrue(srcu.synchronize(Duration.ofSeconds(10)), "balanced counts: the grace period ends");
        }
    }

    @Test
    void threadsWhoseClassOverridesGetIdNeverOwnASlot() throws Exception {
        try (Srcu srcu = new Srcu("same-id", OFF)) {
            AtomicInteger first = new AtomicInteger(-1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            Thread a = new SameIdThread(() -> {
                try {
                    int t = srcu.readLock();
                    first.set(t);
                    entered.countDown();
                    assertTrue(leave.await(20, TimeUnit.SECONDS));
                    srcu.readUnlock(t);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            a.start();
            assertTrue(entered.await(20, TimeUnit.SECONDS));
            assertEquals(2, first.get() & 2, "a thread whose getId() is its own uses the shared twin");
            // A second thread with the same reported id: were the first the slot's owner by id,
            // this one would take the owned path too and race it with plain increments.
            AtomicInteger second = new AtomicInteger(-1);
            Thread b = new SameIdThread(() -> {
                int t = srcu.readLock();
                second.set(t);
                srcu.readUnlock(t);
            });
            b.start();
            b.join(20_000);
            assertEquals(2, second.get() & 2, "the second same-id thread uses the shared twin too");
            assertTrue(!srcu.synchronize(Duration.ofMillis(50)), "the first reader is still inside");
            leave.countDown();
            a.join(20_000);
            assertNull(failure.get());
            assertTrue(srcu.synchronize(Duration.ofSeconds(10)), "every section left: the grace period ends");
        }
    }
}
