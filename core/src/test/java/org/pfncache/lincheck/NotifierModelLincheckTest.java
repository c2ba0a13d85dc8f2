package org.pfncache.lincheck;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.pfncache.lincheck.NotifierModel.Variant;

/**
 * Lincheck model-checking twins of the check-then-act negative controls (c) and (d) of the jcstress
 * suite (stress module, {@code org.pfncache.stress.negative}). On 2 cores jcstress hits their
 * windows only by chance; the model checker enumerates the interleavings of one fixed scenario and
 * finds the lost invalidation on every run, while the correct protocol passes the same search.
 *
 * <p>Each scenario has exactly one operation per thread ({@code runOnce}, no actors before or
 * after), so the generated scenario is always the racing pair; {@code @Validate} checks I4 on the
 * final state after every explored interleaving.
 */
class NotifierModelLincheckTest {
    /** Enough to exhaust the interleavings of these two-thread scenarios several times over. */
    private static final int INVOCATIONS = 2_000;

    private static ModelCheckingOptions options() {
        return new ModelCheckingOptions()
                .iterations(1)
                .invocationsPerIteration(INVOCATIONS)
                .threads(2)
                .actorsPerThread(1)
                .actorsBefore(0)
                .actorsAfter(0);
    }

    private static void assertCaught(Class<?> scenario) {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () -> options().check(scenario));
        assertTrue(e.getMessage().contains("noLostInvalidation"),
                () -> "Lincheck failed, but not on the I4 validation:\n" + e.getMessage());
    }

    /** R5: the retry check keeps a refresh from publishing a pfn a concurrent migration freed. */
    @Test
    void refreshWithRetryCachePasses() {
        options().check(RefreshVsMigrate.Correct.class);
    }

    /** Control (c): without mmu_notifier_retry_cache the refresh publishes the freed pfn. */
    @Test
    void refreshWithoutRetryCacheIsCaught() {
        assertCaught(RefreshVsMigrate.WithoutRetryCache.class);
    }

    /** R1: listed before active, so the migration reaches whatever a concurrent refresh maps. */
    @Test
    void activateListBeforeActivePasses() {
        options().check(ActivateVsRefreshAndMigrate.Correct.class);
    }

    /** Control (d): active first, a refresh maps a page the migration cannot reach. */
    @Test
    void activateActiveBeforeListIsCaught() {
        assertCaught(ActivateVsRefreshAndMigrate.ActiveBeforeList.class);
    }

    /** One refresh of an active, invalidated cache racing one migration of its page. */
    public abstract static class RefreshVsMigrate {
        private final NotifierModel model;

        RefreshVsMigrate(Variant variant) {
            model = NotifierModel.activeInvalid(variant);
        }

        @Operation(runOnce = true)
        public boolean refresh() {
            return model.refresh();
        }

        @Operation(runOnce = true)
        public void migrate() {
            model.migrate();
        }

        @Validate
        public void noLostInvalidation() {
            if (model.lostInvalidation()) {
                throw new IllegalStateException("I4 violated (" + model.variant() + "): the cache is valid on a freed pfn");
            }
        }

        public static final class Correct extends RefreshVsMigrate {
            public Correct() {
                super(Variant.CORRECT);
            }
        }

        public static final class WithoutRetryCache extends RefreshVsMigrate {
            public WithoutRetryCache() {
                super(Variant.REFRESH_WITHOUT_RETRY_CACHE);
            }
        }
    }

    /** Activation racing a refresh (by another user of the cache) followed by a migration. */
    public abstract static class ActivateVsRefreshAndMigrate {
        private final NotifierModel model;

        ActivateVsRefreshAndMigrate(Variant variant) {
            model = NotifierModel.inactive(variant);
        }

        @Operation(runOnce = true)
        public void activate() {
            model.activate();
        }

        @Operation(runOnce = true)
        public boolean refreshThenMigrate() {
            boolean refreshed = model.refresh();
            model.migrate();
            return refreshed;
        }

        @Validate
        public void noLostInvalidation() {
            if (model.lostInvalidation()) {
                throw new IllegalStateException("I4 violated (" + model.variant() + "): the cache is valid on a freed pfn");
            }
        }

        public static final class Correct extends ActivateVsRefreshAndMigrate {
            public Correct() {
                super(Variant.CORRECT);
            }
        }

        public static final class ActiveBeforeList extends ActivateVsRefreshAndMigrate {
            public ActiveBeforeList() {
                super(Variant.ACTIVE_BEFORE_LIST);
            }
        }
    }
}
