package org.pfncache.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.pfncache.InvalidationStrategy;
import org.pfncache.LockKind;
import org.pfncache.PreemptionModel;

/**
 * One scenario: the Vm's configuration, who invalidates, how many vCPUs read, for how long, and
 * how long past that a thread may take to stop before it counts as hung.
 */
record ScenarioConfig(InvalidationStrategy strategy, PreemptionModel preemption, LockKind notifierLock,
                      LockKind mmuLock, InvalidationContext context, int readers, Duration duration,
                      Duration hangTimeout) {
    static final int DEFAULT_READERS = 2;
    static final int MAX_READERS = 64;
    static final Duration DEFAULT_HANG_TIMEOUT = Duration.ofSeconds(10);

    ScenarioConfig {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(preemption, "preemption");
        Objects.requireNonNull(notifierLock, "notifierLock");
        Objects.requireNonNull(mmuLock, "mmuLock");
        Objects.requireNonNull(context, "context");
        if (readers < 1 || readers > MAX_READERS) {
            throw new IllegalArgumentException("readers must be in [1, " + MAX_READERS + "], got " + readers);
        }
        if (duration.isNegative() || duration.isZero() || hangTimeout.isNegative() || hangTimeout.isZero()) {
            throw new IllegalArgumentException("duration and hang timeout must be positive");
        }
    }

    /** The seed: RWLOCK under PREEMPT_RT with KVM's spinlock_t notifier locks, the OOM reaper invalidating. */
    static ScenarioConfig seed() {
        return new ScenarioConfig(InvalidationStrategy.rwlock(), PreemptionModel.RT, LockKind.SPINLOCK,
                LockKind.SPINLOCK, InvalidationContext.OOM, DEFAULT_READERS, Duration.ofSeconds(1),
                DEFAULT_HANG_TIMEOUT);
    }

    ScenarioConfig with(InvalidationStrategy s, PreemptionModel m, LockPair locks, InvalidationContext c) {
        return new ScenarioConfig(s, m, locks.notifier(), locks.mmu(), c, readers, duration, hangTimeout);
    }

    /** The kinds of the notifier-path locks and of mmu_lock, one matrix row's lock configuration. */
    record LockPair(LockKind notifier, LockKind mmu) {
        /** The matrix's default rows: KVM as it is, raw notifier locks, and mmu_lock raw too. */
        static final java.util.List<LockPair> DEFAULTS = java.util.List.of(
                new LockPair(LockKind.SPINLOCK, LockKind.SPINLOCK),
                new LockPair(LockKind.RAW_SPINLOCK, LockKind.SPINLOCK),
                new LockPair(LockKind.RAW_SPINLOCK, LockKind.RAW_SPINLOCK));
    }

    static PreemptionModel preemptionByName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none" -> PreemptionModel.NONE;
            case "rt" -> PreemptionModel.RT;
            default -> throw new IllegalArgumentException("unknown preemption model; known: none, rt");
        };
    }

    static LockKind notifierLockByName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "spinlock" -> LockKind.SPINLOCK;
            case "raw", "raw_spinlock", "raw-spinlock" -> LockKind.RAW_SPINLOCK;
            default -> throw new IllegalArgumentException("unknown notifier lock kind; known: spinlock, raw");
        };
    }

    static String cliName(PreemptionModel m) {
        return m == PreemptionModel.RT ? "rt" : "none";
    }

    static String cliName(LockKind k) {
        return k == LockKind.RAW_SPINLOCK ? "raw" : "spinlock";
    }

    static LockKind mmuLockByName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "rwlock" -> LockKind.SPINLOCK;
            case "raw", "raw_rwlock", "raw-rwlock" -> LockKind.RAW_SPINLOCK;
            default -> throw new IllegalArgumentException("unknown mmu_lock kind; known: rwlock, raw");
        };
    }

    static String mmuCliName(LockKind k) {
        return k == LockKind.RAW_SPINLOCK ? "raw" : "rwlock";
    }

    /** "strategy=rwlock preemption=rt notifier-lock=spinlock mmu-lock=rwlock context=oom readers=2 duration=1s". */
    String describe() {
        return "strategy=" + strategy.name() + " preemption=" + cliName(preemption)
                + " notifier-lock=" + cliName(notifierLock) + " mmu-lock=" + mmuCliName(mmuLock)
                + " context=" + context.cliName
                + " readers=" + readers + " duration=" + Options.formatDuration(duration);
    }
}
