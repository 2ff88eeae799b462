/**
 * The advisor's worker thread: loads the scenario once, then runs each seed the main thread
 * sends on shadow pools and answers with the seed's pool demand.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { applyOverrides, loadScenario, type LoadedScenario, type RunOptions } from '../scenario/index.js';
import { demandOfSeed } from './advise-core.js';
import type { CampaignJob, CampaignWorkerData } from './campaign-core.js';
import { parseAllocFailureSpec, parseFaultSpec } from './args.js';
import { profileOption } from './run.js';

const data = workerData as CampaignWorkerData;
let loaded: LoadedScenario | null = null;
const base: RunOptions = {};
if (data.faults) base.linkFaults = parseFaultSpec('advise', data.faults);
if (data.allocFailures) base.allocFailures = parseAllocFailureSpec('advise', data.allocFailures);
if (data.profile) base.clientProfile = profileOption('advise', data.profile);

parentPort!.on('message', async (job: CampaignJob | null) => {
  if (job === null) {
    parentPort!.close();
    return;
  }
  try {
    if (!loaded) {
      loaded = await loadScenario(data.ref);
      if (data.sets.length > 0) loaded.scenario = applyOverrides(loaded.scenario, data.sets);
    }
    parentPort!.postMessage({ seed: job.seed, demand: await demandOfSeed(loaded, job.seed, base) });
  } catch (e) {
    parentPort!.postMessage({ seed: job.seed, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
parentPort!.postMessage({ ready: true });
