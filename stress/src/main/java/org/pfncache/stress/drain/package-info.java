/**
 * I3, drain: {@link org.pfncache.stress.drain.I3_Drain} per strategy (use after invalidate is
 * FORBIDDEN for the strategies that drain readers and ACCEPTABLE_INTERESTING for SEQCOUNT, where
 * it is the measured hazard), and {@link org.pfncache.stress.drain.SeqCount_I3_Validate}: what
 * SEQCOUNT promises instead, that a section which used a freed page never validates.
 */
package org.pfncache.stress.drain;
