import { MemoryCounterStore } from '../../../gateway/state/memory-counter-store';
import { describeCounterStoreContract } from '../../contract/counter-store';

describe('state/memory-counter-store (CounterStore contract)', () => {
  describeCounterStoreContract('memory', { shared: false, fresh: async () => {
    const store = new MemoryCounterStore();
    return { instance: async () => store };
  } });
});
