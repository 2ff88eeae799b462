/** Shared scenario builders for the emulator tests. */
import { SOCKET_ERROR, Simulation, type LinkOptions, type SimulationOptions, type StreamSocket } from '../../emulator/index.js';

/** Reads until the peer's FIN; throws on a socket error. */
export async function readAll(s: StreamSocket): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const r = await s.recv();
    if (r.result === SOCKET_ERROR) throw new Error(`recv failed: ${r.error}`);
    if (r.result === 0) break;
    parts.push(r.data);
    n += r.result;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A deterministic test payload. */
export function pattern(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  let x = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Two devices, `client` (10.0.0.2) and `server` (10.0.0.1), on one link. */
export function twoDevices(link: LinkOptions = {}, opts: SimulationOptions = {}) {
  const sim = new Simulation(opts);
  const server = sim.addDevice('server', 'ce210-handheld', { address: '10.0.0.1' });
  const client = sim.addDevice('client', 'ce210-handheld', { address: '10.0.0.2' });
  const l = sim.link(client, server, link);
  return { sim, server, client, link: l };
}

/**
 * Client sends `payload` to a server on port 7 and half-closes; the server reads it all and
 * returns it. Resolves to what the server received and the run result.
 */
export async function transfer(payload: Uint8Array, link: LinkOptions = {}, opts: SimulationOptions = {}) {
  const t = twoDevices(link, opts);
  let received: Uint8Array | null = null;
  t.server.spawn('sink.exe', async (ctx) => {
    const l = ctx.listen(7);
    const s = await l.accept();
    if (!s) throw new Error(`accept failed: ${l.lastError}`);
    received = await readAll(s);
    s.close();
    l.close();
  });
  t.client.spawn('source.exe', async (ctx) => {
    const s = await ctx.connect('10.0.0.1', 7);
    if (s.lastError !== 0) throw new Error(`connect failed: ${s.lastError}`);
    if ((await s.send(payload)) !== payload.length) throw new Error(`send failed: ${s.lastError}`);
    s.close();
  });
  const result = await t.sim.run();
  return { ...t, result, received: received as Uint8Array | null };
}
