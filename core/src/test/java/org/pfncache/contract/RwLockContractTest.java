package org.pfncache.contract;

import org.pfncache.InvalidationStrategy;

class RwLockContractTest extends StrategyContract {
    @Override
    protected InvalidationStrategy strategy() {
        return InvalidationStrategy.rwlock();
    }
}
