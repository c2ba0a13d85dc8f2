package com.example.mystrategy;

import org.pfncache.InvalidationStrategy;
import org.pfncache.contract.StrategyContract;

/** Every rule and invariant of the contract kit, run against the user's strategy. */
class DelegatingRwLockContractTest extends StrategyContract {
    @Override
    protected InvalidationStrategy strategy() {
        return new DelegatingRwLock();
    }
}
