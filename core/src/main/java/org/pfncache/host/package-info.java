/** The simulated host: physical memory with use-after-free detection, the mm, MMU notifiers. */
package org.pfncache.host;
