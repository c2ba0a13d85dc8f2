package org.pfncache.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPath} with one reader thread and guard REPORT (PREEMPT_NONE: per-thread lock tracking
 * on, reports logged, none expected) instead of OFF. {@link HotPath.Env} recognises this class by
 * name. Information only: no target is judged on it.
 *
 * <p><b>Measures</b> and <b>Avoids</b>: as {@link HotPath}, with this class's threads.
 *
 * <p><b>Reproduce</b> (from the repository root): {@code ./pfncache bench quick 'HotPathGuardReport|HotPathT1' -p strategy=srcu}
 */
@Threads(1)
public class HotPathGuardReport extends HotPath {
}
