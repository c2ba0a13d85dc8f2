/** I1, no torn state, per strategy: see {@link org.pfncache.stress.torn.I1_NoTornState}. */
package org.pfncache.stress.torn;
