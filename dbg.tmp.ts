import { Simulation } from './emulator/index.js';
import { runWasmProcess } from './cruntime/index.js';
import { readFileSync } from 'node:fs';
const sim = new Simulation({ seed: 1, timeLimitNs: 10e9 });
const d = sim.addDevice('dev', 'ce210-handheld', { address: '10.0.0.2' });
d.spawn('hello.exe', async (ctx) => {
  const host = { process: ctx.process, device: ctx.device, socket: () => ctx.socket(), sleep: (n: number) => ctx.sleep(n), compute: () => ctx.compute(), resolve: () => null, trace: () => {} };
  try { const r = await runWasmProcess(host, readFileSync('/tmp/hello.wasm')); console.log(r.console); } catch (e) { console.log('ERR', e); }
});
await sim.run();
