import { MemoryCounterStore } from '../../../gateway/state/memory-counter-store';
import { counterStoreContract } from '../../contract/counter-store';

describe('state/memory-counter-store (CounterStore contract)', () => {
  counterStoreContract({ shared: false, fresh: async () => {
    const store = new MemoryCounterStore();
    return { instance: async () => store };
  } });
});
