package org.pfncache.sync;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.pfncache.GuardPolicy;
import org.pfncache.PreemptionModel;
import org.pfncache.guard.Guard;
import org.pfncache.sync.AsymmetricFence.ReaderFlavour;

/**
 * Which reader barrier runs, and that it is reported: the process-wide choice of
 * {@link AsymmetricFence}, as {@link Srcu} and {@link RwLock} report it.
 */
class AsymmetricFenceTest {
    private final AsymmetricFence fence = AsymmetricFence.get();

    @Test
    void oneChoiceForTheProcessReportedEverywhere() {
        assertEquals(fence.asymmetric() ? ReaderFlavour.ASYMMETRIC : ReaderFlavour.FENCED, fence.readerFlavour());
        Guard off = Guard.create(PreemptionModel.NONE, GuardPolicy.OFF, null);
        try (Srcu srcu = new Srcu("flavour", off)) {
            assertEquals(fence.readerFlavour(), srcu.readerFlavour());
        }
        assertEquals(fence.readerFlavour(), new RwLock("flavour", off).readerFlavour(),
                "RwLock's reader records run exactly when the fence is asymmetric");
        for (org.pfncache.InvalidationStrategy st : org.pfncache.InvalidationStrategy.builtIns()) {
            assertEquals(java.util.Optional.of(fence.readerFlavour()), st.readerFlavour(), st.name());
            assertTrue(st.readPathCost().contains(fence.asymmetric() ? "compiler barrier" : "fence")
                    || st.name().startsWith("rwlock") && !fence.asymmetric() && st.readPathCost().contains("CAS"),
                    st.name() + ": " + st.readPathCost());
        }
        assertTrue(fence.describe().startsWith(fence.asymmetric() ? "asymmetric readers: " : "fenced readers"),
                fence.describe());
        assertTrue(fence.toString().contains(fence.describe()));
    }

    @Test
    void heavyIsCallableFromAnyThreadWhateverTheFlavour() throws Exception {
        assertDoesNotThrow(fence::heavy);
        Thread other = new Thread(fence::heavy);
        other.start();
        other.join();
    }

    @Test
    void beforeJava22TheFallbackIsReportedAndReadersAreFenced() {
        assumeTrue(Runtime.version().feature() < 22, "java.lang.foreign is final from Java 22 on");
        assertFalse(fence.asymmetric());
        assertEquals(ReaderFlavour.FENCED, fence.readerFlavour());
        assertTrue(fence.describe().contains("needs Java 22+, this is Java " + Runtime.version().feature())
                || fence.describe().contains("-D" + AsymmetricFence.READERS_PROPERTY + "=fenced"), fence.describe());
    }
}
