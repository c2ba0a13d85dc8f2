package org.pfncache.stress.publication;

import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;

/**
 * I2, publication: a reader that passes check() sees the page contents written before the refresh
 * that published the mapping.
 *
 * <p>The writer stores {@link #CONTENTS} into the freshly mmapped (zero) page through the host mm,
 * then activates the cache on it; the activation's refresh publishes the mapping (release) after
 * that store. A reader that passes check() loads the word through khva: it must see the
 * contents, never the zero that was there before.
 *
 * <p>Reader outcome: 0 check() failed (not published yet), 1 saw the contents, 2 saw the page
 * before the write (forbidden), 3 saw something else (forbidden), 4 discarded (an optimistic
 * SEQCOUNT section raced the writer). Activation from the initial state retires no mapping, so the
 * Vm starts no thread and is left to the garbage collector.
 */
public abstract class PublicationScenario {
    static final int OFFSET = 0x340;
    static final long CONTENTS = 0x0b11_5bed_0000_0340L;

    private final Vm vm;
    private final PfnCache cache;

    protected PublicationScenario(InvalidationStrategy strategy) {
        vm = TinyVm.build(strategy);
        cache = vm.newCache();
    }

    protected void writeAndPublish() {
        vm.mm().writeLong(TinyVm.hva(0) + OFFSET, CONTENTS);
        cache.activate(TinyVm.gpa(0) + OFFSET, Long.BYTES);
    }

    protected int read() {
        try (PfnCache.Section s = cache.enter()) {
            if (!s.check(Long.BYTES)) {
                return 0;
            }
            long v = s.khva().getLong(0);
            if (!s.validate()) {
                return 4;
            }
            return v == CONTENTS ? 1 : v == 0 ? 2 : 3;
        }
    }
}
