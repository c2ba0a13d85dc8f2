/**
 * I3, drain, per strategy: see {@link org.pfncache.stress.drain.DrainScenario}. Use after
 * invalidate is FORBIDDEN for every strategy with drainsReaders() and ACCEPTABLE_INTERESTING for
 * SEQCOUNT, where it is the measured hazard of the proposal.
 */
package org.pfncache.stress.drain;
