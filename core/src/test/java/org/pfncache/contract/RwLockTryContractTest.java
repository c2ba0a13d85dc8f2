package org.pfncache.contract;

import org.pfncache.InvalidationStrategy;

class RwLockTryContractTest extends StrategyContract {
    @Override
    protected InvalidationStrategy strategy() {
        return InvalidationStrategy.rwlockTry();
    }
}
