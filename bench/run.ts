/**
 * `npm run bench`: cesim's benchmarks in one run. Speed and memory are measured here, never in
 * timed tests. Prints one line per figure and, with `--json`, the figures as one JSON document.
 */
import { benchDevice } from './device.js';
import { benchEmulator } from './emulator.js';
import { benchTls } from './tls.js';
import { benchScenario } from './scenario.js';
import { benchNtlm } from './ntlm.js';
import { benchNegotiate } from './negotiate.js';

interface Figure {
  name: string;
  value: number;
  unit: string;
}

const suites: [string, () => Promise<Figure[]>][] = [
  ['device: fixed-pool allocator', benchDevice],
  ['emulator: scheduler and transport', benchEmulator],
  ['tls: full TLS 1.3 handshakes', benchTls],
  ['scenario: the default scenario and a fleet', benchScenario],
  ['ntlm: one three-leg NTLM exchange through Security.dll', benchNtlm],
  ['negotiate: one SPNEGO exchange over NTLM through Security.dll', benchNegotiate],
];

const json = process.argv.includes('--json');
const all: Record<string, Figure[]> = {};
for (const [title, run] of suites) {
  if (!json) console.log(`\n${title}`);
  const figures = await run();
  all[title] = figures;
  if (!json) for (const f of figures) console.log(`  ${f.name.padEnd(58)} ${fmt(f.value).padStart(14)} ${f.unit}`);
}
if (json) console.log(JSON.stringify(all, null, 2));

function fmt(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}
