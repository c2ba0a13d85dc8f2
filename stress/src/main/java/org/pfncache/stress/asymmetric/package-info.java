/**
 * Asymmetric-fence readers (core's {@code org.pfncache.sync.AsymmetricFence}): a reader that
 * publishes itself with a compiler barrier only, and a writer whose {@code heavy()} is
 * membarrier(2), must never both miss each other (store buffering, FORBIDDEN both-miss).
 *
 * <ul>
 * <li>{@code AsymmetricFence_StoreBuffering}: the bare pattern, with the fence's own
 *     {@code readerBarrier()} and {@code heavy()}.</li>
 * <li>{@code AsymmetricFence_NoMembarrier_Broken}: the control, the same with the membarrier
 *     taken out of the writer's side (its full fence stays); x86's store buffer shows the
 *     both-miss.</li>
 * <li>{@code Srcu_AsymmetricReader}: Srcu's own read fast path against a grace period.</li>
 * <li>{@code RwLock_AsymmetricReader}: RwLock's reader record (its asymmetric reader bias)
 *     against a writer revoking the bias with tryWriteLock.</li>
 * </ul>
 *
 * <p>Each correctness test reports the flavour that ran as its last result: 1 asymmetric, 0
 * fenced. Fenced (Java 17, no native access, or the Java 22 classes not loaded because the jar
 * on the class path is not multi-release) is reported as an interesting outcome, so a run that
 * meant to test the asymmetric path can tell that it did not. On Java 22+ start the JVM with
 * {@code --enable-native-access=ALL-UNNAMED} (jcstress passes the host VM's flags to its forks)
 * and put core's multi-release jar on the class path ahead of the jcstress jar.
 */
package org.pfncache.stress.asymmetric;
