package org.pfncache.contract;

import org.pfncache.InvalidationStrategy;

class SeqCountContractTest extends StrategyContract {
    @Override
    protected InvalidationStrategy strategy() {
        return InvalidationStrategy.seqcount();
    }
}
