import { MemorySessionRegistry } from '../../src/cluster/memory-session-registry.js';
import { sessionRegistryContract } from './session-registry-contract.js';

sessionRegistryContract('MemorySessionRegistry', async () => new MemorySessionRegistry());
