// Two ce210-handheld devices echo 40 KiB over a lossy, reordering link in virtual time.
import { Simulation, SD_SEND } from 'cesim/emulator';

const sim = new Simulation({ seed: 7, timeLimitNs: 60e9 });
const server = sim.addDevice('server', 'ce210-handheld', { address: '10.0.0.1' });
const client = sim.addDevice('client', 'ce210-handheld', { address: '10.0.0.2' });
sim.link(client, server, { latencyNs: 5e6, bandwidthBps: 1e6, loss: 0.05, reorder: 0.1 });
sim.faults.cutLink('client', 'server', 200e6, 1e9); // the link is down from 0.2 s to 1.2 s

server.spawn('echod.exe', async (ctx) => {
  const listener = ctx.listen(7);
  const s = (await listener.accept())!;
  for (let r = await s.recv(); r.result > 0; r = await s.recv()) await s.send(r.data);
  s.close();
  listener.close();
});

client.spawn('echo.exe', async (ctx) => {
  const s = await ctx.connect('10.0.0.1', 7);
  if (s.lastError) throw new Error(`connect failed: ${s.lastError}`);
  ctx.device.cpu.charge('sha256', 40960); // computation costs virtual time too
  await s.send(new Uint8Array(40960).fill(7));
  s.shutdown(SD_SEND);
  let n = 0;
  for (let r = await s.recv(); r.result > 0; r = await s.recv()) n += r.result;
  s.close();
  return n;
});

const result = await sim.run();
console.log(`stopped: ${result.reason} at ${(result.timeNs / 1e9).toFixed(3)} s of virtual time`);
console.log(`client received ${result.tasks.find((t) => t.process === 'echo.exe')?.value} bytes`);
console.log(`trace hash ${result.traceHash.slice(0, 16)}… (the same seed gives the same hash)`);
