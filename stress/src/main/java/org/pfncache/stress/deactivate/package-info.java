/** R6, deactivation racing a reader: see {@link org.pfncache.stress.deactivate.R6_DeactivateDuringSection}. */
package org.pfncache.stress.deactivate;
