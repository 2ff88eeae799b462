// Worker-thread entry for `cesim campaign`: registers tsx in this worker so the TypeScript
// sources load, then imports the TypeScript worker named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
