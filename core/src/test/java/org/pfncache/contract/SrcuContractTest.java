package org.pfncache.contract;

import org.pfncache.InvalidationStrategy;

class SrcuContractTest extends StrategyContract {
    @Override
    protected InvalidationStrategy strategy() {
        return InvalidationStrategy.srcu();
    }
}
