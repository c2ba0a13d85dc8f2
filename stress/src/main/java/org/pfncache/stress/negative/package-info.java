/**
 * Negative controls: known-broken variants of the protocols the suite proves, each of which the
 * suite must catch (a suite that never fails proves nothing). A control's class name ends in
 * {@code _Broken} and it carries {@link org.pfncache.stress.negative.NegativeControl}, which names
 * the FORBIDDEN outcome that is its bug; the runner counts it caught only on that outcome. The
 * correct variant of each model runs next to it as an ordinary correctness test and must pass.
 *
 * <ul>
 * <li>(a) {@code SeqCount_NoRetry_Broken}: a seqcount reader without read_seqcount_retry.</li>
 * <li>(b) {@code SrcuModel_NoReaderFence_Broken}: an SRCU reader without the full barrier after
 *     its counter increment ({@link org.pfncache.stress.negative.SrcuModel}).</li>
 * <li>(c) {@code NotifierModel_NoRetryCache_Broken}: a refresh without mmu_notifier_retry_cache.</li>
 * <li>(d) {@code NotifierModel_ActiveBeforeList_Broken}: an activate that sets active before adding
 *     the cache to gpc_list.</li>
 * <li>(e) {@code Srcu_NoWaitGracePeriod_Broken}: {@code primitives.Srcu_GracePeriod} on a wrapper
 *     of the real Srcu whose synchronize() returns at once.</li>
 * <li>(f) {@code I1Model.FieldByField_Broken}: the offset-only refresh storing gpa, uhva and khva
 *     one by one for lock-free readers ({@link org.pfncache.stress.negative.I1Model}).</li>
 * <li>(g) {@code I2_ContentsAfterPublish_Broken}: the real cache with the contents stored after
 *     the publishing refresh.</li>
 * <li>(h) {@code I5_WaitingInvalidation_Broken}: I5 on RWLOCK, whose non-blockable invalidation
 *     waits for the reader.</li>
 * </ul>
 *
 * <p>(c) and (d) use the protocol model {@code org.pfncache.lincheck.NotifierModel} from core's
 * test jar; they are check-then-act races whose window two cores hit only by chance, so each has
 * a Lincheck model-checking twin in core ({@code NotifierModelLincheckTest}) that finds the bug
 * on every run.
 */
package org.pfncache.stress.negative;
