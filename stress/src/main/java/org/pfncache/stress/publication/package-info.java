/**
 * I2, publication of page contents, per strategy: see
 * {@link org.pfncache.stress.publication.I2_Publication}.
 */
package org.pfncache.stress.publication;
