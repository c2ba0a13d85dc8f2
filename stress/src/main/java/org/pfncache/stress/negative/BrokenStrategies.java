package org.pfncache.stress.negative;

import org.pfncache.InvalidationStrategy;
import org.pfncache.host.MmuNotifierRange;

/**
 * Test-only strategies built through the public SPI ({@link InvalidationStrategy}), each a
 * built-in broken in exactly one ordering, for the controls that run the real {@code PfnCache},
 * {@code Vm} and {@code Srcu} through the same scenarios as the built-ins. Each wraps a built-in's
 * lock and overrides one method.
 */
final class BrokenStrategies {
    private BrokenStrategies() {
    }

    /** RWLOCK whose invalidation clears valid without taking the write side: nothing drains readers (I3). */
    static InvalidationStrategy invalidationWithoutWriteSide() {
        return new Broken("rwlock-no-write-side", InvalidationStrategy.rwlock()) {
            @Override
            InvalidationStrategy.CacheLock wrap(InvalidationStrategy.CacheLock inner) {
                return new Delegating(inner) {
                    @Override
                    public boolean invalidateWriteLock(MmuNotifierRange range) {
                        return true;
                    }

                    @Override
                    public void invalidateWriteUnlock() {
                    }
                };
            }
        };
    }

    /** SRCU whose section never publishes its reader (no srcu_read_lock): grace periods do not wait for it (fence B's job). */
    static InvalidationStrategy srcuUnpublishedReader() {
        return new Broken("srcu-unpublished-reader", InvalidationStrategy.srcu()) {
            @Override
            InvalidationStrategy.CacheLock wrap(InvalidationStrategy.CacheLock inner) {
                return new Delegating(inner) {
                    @Override
                    public long readLock() {
                        return 0;
                    }

                    @Override
                    public void readUnlock(long token) {
                    }
                };
            }
        };
    }

    /** SRCU whose retire unmaps the old mapping at once instead of after a grace period (call_srcu). */
    static InvalidationStrategy srcuUnmapAtOnce() {
        return new Broken("srcu-unmap-at-once", InvalidationStrategy.srcu()) {
            @Override
            InvalidationStrategy.CacheLock wrap(InvalidationStrategy.CacheLock inner) {
                return new Delegating(inner) {
                    @Override
                    public void retire(long uhva, Runnable unmap) {
                        unmap.run();
                    }
                };
            }
        };
    }

    /** SEQCOUNT whose read_seqcount_retry always says "no writer ran". */
    static InvalidationStrategy seqcountAlwaysValid() {
        return new Broken("seqcount-always-valid", InvalidationStrategy.seqcount()) {
            @Override
            InvalidationStrategy.CacheLock wrap(InvalidationStrategy.CacheLock inner) {
                return new Delegating(inner) {
                    @Override
                    public boolean readValidate(long token) {
                        return true;
                    }
                };
            }
        };
    }

    /** A built-in's declarations with its lock wrapped. */
    private abstract static class Broken implements InvalidationStrategy {
        private final String name;
        private final InvalidationStrategy inner;

        Broken(String name, InvalidationStrategy inner) {
            this.name = name;
            this.inner = inner;
        }

        abstract CacheLock wrap(CacheLock lock);

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean drainsReaders() {
            return inner.drainsReaders();
        }

        @Override
        public MaySleep maySleepInInvalidation() {
            return inner.maySleepInInvalidation();
        }

        @Override
        public NonBlockOutcome nonBlockableOutcome() {
            return inner.nonBlockableOutcome();
        }

        @Override
        public String readPathCost() {
            return inner.readPathCost();
        }

        @Override
        public CacheLock newCacheLock(Context context) {
            return wrap(inner.newCacheLock(context));
        }
    }

    /** Forwards every call, the SPI's defaults included, to the wrapped lock. */
    private static class Delegating implements InvalidationStrategy.CacheLock {
        private final InvalidationStrategy.CacheLock inner;

        Delegating(InvalidationStrategy.CacheLock inner) {
            this.inner = inner;
        }

        @Override
        public long readLock() {
            return inner.readLock();
        }

        @Override
        public boolean readValidate(long token) {
            return inner.readValidate(token);
        }

        @Override
        public void readUnlock(long token) {
            inner.readUnlock(token);
        }

        @Override
        public void writeLock() {
            inner.writeLock();
        }

        @Override
        public void writeUnlock() {
            inner.writeUnlock();
        }

        @Override
        public boolean walkReadLock(MmuNotifierRange range) {
            return inner.walkReadLock(range);
        }

        @Override
        public void walkReadUnlock() {
            inner.walkReadUnlock();
        }

        @Override
        public boolean invalidateWriteLock(MmuNotifierRange range) {
            return inner.invalidateWriteLock(range);
        }

        @Override
        public void invalidateWriteUnlock() {
            inner.invalidateWriteUnlock();
        }

        @Override
        public void unpublished(long uhva) {
            inner.unpublished(uhva);
        }

        @Override
        public void retire(long uhva, Runnable unmap) {
            inner.retire(uhva, unmap);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
