/**
 * KVM's {@code gfn_to_pfn_cache} on the JVM: {@link org.pfncache.Vm} ({@code struct kvm}) and
 * {@link org.pfncache.PfnCache} ({@code struct gfn_to_pfn_cache}), with the invalidation
 * strategy SPI {@link org.pfncache.InvalidationStrategy}. The rules R1–R14 and invariants I1–I7
 * cited throughout are numbered in the repository's {@code docs/semantics.md}.
 *
 * <h2>Where each protocol is explained</h2>
 * Each protocol is explained once, in the class that owns it; other classes refer to it.
 * <ul>
 *   <li>The cache: activation, check, refresh, the retry loop, deactivation (R1–R7), and why a
 *       refresh never publishes a page an invalidation covers — {@link org.pfncache.PfnCache}.</li>
 *   <li>The MMU notifier on KVM's side: {@code mn_active_invalidate_count},
 *       {@code mmu_invalidate_seq}, {@code mmu_lock}, the memslot swap (R8–R11) —
 *       {@link org.pfncache.Vm}; the walk of {@code gpc_list} — {@link org.pfncache.GpcList}.</li>
 *   <li>The notifier core and the OOM reaper (R10) — {@link org.pfncache.host.HostMm} and
 *       {@link org.pfncache.host.MmuNotifier}.</li>
 *   <li>What a strategy's lock must guarantee — {@link org.pfncache.InvalidationStrategy}
 *       (and {@code docs/strategies.md}); each built-in's own ordering in its class in
 *       {@link org.pfncache.strategy}.</li>
 *   <li>The primitives' orderings — their classes in {@link org.pfncache.sync} (Srcu's fences
 *       A–E, SeqCount, RwLock's reader bias, KernelLock).</li>
 *   <li>Contexts, lock kinds and the splat (R12–R14) — {@link org.pfncache.guard.Guard} and
 *       {@link org.pfncache.guard.ContextGuard}.</li>
 * </ul>
 *
 * <h2>Accessor names</h2>
 * A field that is read or written concurrently without a lock is reached through a VarHandle,
 * and in this package through an accessor whose name says the ordering, as JCTools names them:
 * {@code lv…} loads with acquire (the load pairs with a release store), {@code so…} stores with
 * release ("store ordered"), {@code cas…} is a compare-and-set whose mode the comment names;
 * a plain {@code get…} or a VarHandle call with an explicit mode ({@code getOpaque},
 * {@code setRelease}) is used where the accessor is a single line. Every ordering decision carries
 * a comment naming what it pairs with and the rule it serves.
 */
package org.pfncache;
