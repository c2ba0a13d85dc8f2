/**
 * JDK Flight Recorder events: what pfncache does off its hot path, recorded only while a
 * recording that enables them runs (each event site allocates and records nothing otherwise).
 * Category "pfncache"; names {@code org.pfncache.*}:
 * {@link org.pfncache.jfr.InvalidationEvent} (one {@code invalidate_range_start}: range, caches
 * walked and cleared, outcome), {@link org.pfncache.jfr.RefreshEvent} (one refresh: retries,
 * outcome), {@link org.pfncache.jfr.GracePeriodEvent} (a wait for an SRCU grace period),
 * {@link org.pfncache.jfr.OomReapEvent} (one {@code oom_reap_task}), and
 * {@link org.pfncache.jfr.GuardReportEvent} (a BUG or WARN splat). Every event is recorded
 * (threshold 0) without a Java stack trace: the fields say where, and a splat carries its own
 * trace. Record with
 * {@code ./pfncache scenario --jfr FILE} or {@code -XX:StartFlightRecording}, read with
 * {@code jfr print --events org.pfncache.Invalidation FILE}.
 */
package org.pfncache.jfr;
