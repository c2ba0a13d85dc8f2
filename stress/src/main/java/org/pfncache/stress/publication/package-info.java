/** I2, publication of page contents, per strategy: see {@link org.pfncache.stress.publication.PublicationScenario}. */
package org.pfncache.stress.publication;
