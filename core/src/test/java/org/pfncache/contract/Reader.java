package org.pfncache.contract;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.pfncache.PfnCache;

/**
 * A reader thread held inside its read section: it enters, passes check(), signals
 * {@link #inside}, waits for {@link #go}, then touches the page through khva (a write when asked)
 * and leaves. Used to hold a section open across an invalidation without sleeping.
 */
final class Reader extends Thread {
    final CountDownLatch inside = new CountDownLatch(1);
    final CountDownLatch go = new CountDownLatch(1);
    private final PfnCache cache;
    private final boolean write;
    volatile boolean checked;
    volatile long value;
    volatile boolean valid;
    volatile Throwable failure;

    Reader(String name, PfnCache cache, boolean write) {
        super(name);
        this.cache = cache;
        this.write = write;
        setDaemon(true);
    }

    @Override
    public void run() {
        try (PfnCache.Section s = cache.enter()) {
            checked = s.check(16);
            inside.countDown();
            if (!go.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("reader was never released");
            }
            if (checked) {
                if (write) {
                    s.khva().putLong(0, 0xdead_beefL);
                }
                value = s.khva().getLong(Fixture.SIG_OFFSET);
                valid = s.validate();
            }
        } catch (Throwable t) {
            failure = t;
            inside.countDown();
        }
    }

    void release() throws InterruptedException {
        go.countDown();
        join(30_000);
        if (isAlive()) {
            throw new AssertionError(getName() + " did not finish");
        }
        if (failure != null) {
            throw new AssertionError(getName() + " failed", failure);
        }
    }
}
