package org.pfncache.stress.negative;

import org.pfncache.lincheck.NotifierModel;

/**
 * The two racing pairs run on {@link NotifierModel} (core's test jar), for controls (c) and (d)
 * and their correct variants; the Lincheck twins in core run the same pairs.
 *
 * <p>{@link RefreshVsMigrate} (c, R5): one refresh of an active cache whose mapping an earlier
 * invalidation cleared, racing one migration of the page. {@link ActivateVsRefreshAndMigrate}
 * (d, R1): an activation racing another user of the cache that refreshes it and then sees the
 * page migrate. In both, the final state must not be a valid cache on a freed pfn (I4): the
 * arbiter reports {@link NotifierModel#lostInvalidation()}.
 */
final class NotifierModelScenarios {
    private NotifierModelScenarios() {
    }

    /** Control (c) and its correct variant. */
    abstract static class RefreshVsMigrate {
        private final NotifierModel model;

        RefreshVsMigrate(NotifierModel.Variant variant) {
            model = NotifierModel.activeInvalid(variant);
        }

        void refresh() {
            model.refresh();
        }

        void migrate() {
            model.migrate();
        }

        int lostInvalidation() {
            return model.lostInvalidation() ? 1 : 0;
        }
    }

    /** Control (d) and its correct variant. */
    abstract static class ActivateVsRefreshAndMigrate {
        private final NotifierModel model;

        ActivateVsRefreshAndMigrate(NotifierModel.Variant variant) {
            model = NotifierModel.inactive(variant);
        }

        void activate() {
            model.activate();
        }

        void refreshThenMigrate() {
            model.refresh();
            model.migrate();
        }

        int lostInvalidation() {
            return model.lostInvalidation() ? 1 : 0;
        }
    }
}
