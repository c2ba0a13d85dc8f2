/** I1, no torn state, per strategy: see {@link org.pfncache.stress.torn.NoTornStateScenario}. */
package org.pfncache.stress.torn;
