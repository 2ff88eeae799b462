/**
 * Scenarios: what to run on the emulated loop (devices, links, faults, forced allocation
 * failures, programs) and what must hold afterwards (assertions). This file is the folder's
 * public face.
 */
export type { Scenario, LoadedScenario, DeviceSpec, ProcessSpec, LinkSpec, FaultSpec, FailureSpec, AssertionSpec, MemoryBudgetSpec, CustomProgram } from './types.js';
export {
  evaluateBudget,
  applyBudgets,
  parseBudgets,
  budgetsFromFile,
  baselineOf,
  readBaseline,
  BudgetError,
  BUDGET_KINDS,
  type BudgetSpec,
  type Baseline,
  type BaselineDevice,
} from './budget.js';
export { validateScenario, ScenarioError, assertionName } from './validate.js';
export { loadScenario, applyOverrides, builtinScenarios, SCENARIOS_DIR, DEFAULT_SCENARIO } from './load.js';
export {
  runScenario,
  ensureSchannel,
  attachKeyLog,
  type RunOptions,
  type RunOutcome,
  type RunSummary,
  type ProgramSummary,
  type DeviceSummary,
  type PoolSummary,
  type AssertionResult,
  type LinkFaultOverride,
  type AllocFailureOverride,
} from './run.js';
export { RecordSequencer, handshakeLabel } from './tls-records.js';
