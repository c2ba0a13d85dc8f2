/** R11, memslot changes racing refresh: see {@link org.pfncache.stress.memslot.R11_MemslotMove}. */
package org.pfncache.stress.memslot;
