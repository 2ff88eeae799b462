/**
 * The campaign's worker thread: loads the scenario once, then runs it for each seed the main
 * thread sends and answers with a small verdict (not the whole summary).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { applyBudgets, applyOverrides, budgetsFromFile, loadScenario, runScenario, type LoadedScenario, type RunOptions } from '../scenario/index.js';
import { hostMonotonicMs } from '../bridge/realtime.js';
import { classifyRun, type CampaignJob, type CampaignWorkerData } from './campaign-core.js';
import { parseAllocFailureSpec, parseFaultSpec } from './args.js';
import { profileOption, withGroupProfiles } from './run.js';

const data = workerData as CampaignWorkerData;
let loaded: LoadedScenario | null = null;
const base: RunOptions = {};
if (data.faults) base.linkFaults = parseFaultSpec('campaign', data.faults);
if (data.allocFailures) base.allocFailures = parseAllocFailureSpec('campaign', data.allocFailures);
if (data.profile) base.clientProfile = profileOption('campaign', data.profile);
const budgets = data.budget ? budgetsFromFile(data.budget) : null;

parentPort!.on('message', async (job: CampaignJob | null) => {
  if (job === null) {
    parentPort!.close();
    return;
  }
  const t0 = hostMonotonicMs();
  try {
    if (!loaded) {
      loaded = await loadScenario(data.ref);
      if (data.profiles) loaded.scenario = withGroupProfiles('campaign', loaded.scenario, data.profiles);
      if (data.sets.length > 0) loaded.scenario = applyOverrides(loaded.scenario, data.sets);
    }
    const out = await runScenario(loaded, { ...base, seed: job.seed });
    if (budgets) applyBudgets(out.summary, budgets.budgets, budgets.baseDir);
    parentPort!.postMessage(classifyRun(job.seed, out.summary, hostMonotonicMs() - t0));
  } catch (e) {
    parentPort!.postMessage(classifyRun(job.seed, null, hostMonotonicMs() - t0, e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
  }
});
parentPort!.postMessage({ ready: true });
