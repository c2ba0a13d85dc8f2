/** I7, accounting at close: see {@link org.pfncache.stress.accounting.I7_Accounting}. */
package org.pfncache.stress.accounting;
