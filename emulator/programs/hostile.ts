/**
 * Hostile peers for load scenarios: `idle-client` (connects and says nothing, or trickles a
 * byte at a time: slowloris), `garbage-client` (sends seeded random bytes, or a record header
 * claiming an oversize length), and `flood-client` (opens and closes connections as fast as
 * the link allows). Each reports how the server treated it: `CUT` when the server ended the
 * connection, `HELD` when it was still open when the client gave up, or the Winsock error of
 * its connect (`WSAECONNREFUSED` when the backlog was full).
 */
import { LMEM_FIXED } from '../../device/index.js';
import type { TaskContext } from '../loop/task.js';
import type { StreamSocket } from '../net/socket.js';
import { SOCKET_ERROR, WSAETIMEDOUT, wsaErrorName } from '../net/winsock.js';
import { parseTarget, type ProgramDefinition, type ProgramRunContext } from './registry.js';
import { emptyOutcome, type ProgramOutcome } from './types.js';

const ms = (v: unknown): number => Math.round(Number(v) * 1_000_000);

/** Connects to the program's target; the failed connect's outcome, or the socket. */
async function connectTo(rc: ProgramRunContext, out: ProgramOutcome): Promise<StreamSocket | null> {
  const target = parseTarget(String(rc.params.connect))!;
  const s = await rc.ctx.connect(rc.resolveAddress(target.host), target.port);
  if (s.lastError !== 0) {
    out.status = wsaErrorName(s.lastError);
    out.detail = `connect ${String(rc.params.connect)}: ${out.status}`;
    s.close();
    return null;
  }
  out.connections++;
  return s;
}

/** Waits until the server ends the connection (`CUT`) or `holdNs` passes (`HELD`), reading and dropping what it sends. */
async function holdUntilCut(ctx: TaskContext, s: StreamSocket, holdNs: number, out: ProgramOutcome): Promise<void> {
  const end = ctx.now() + holdNs;
  for (;;) {
    const left = end - ctx.now();
    if (left <= 0) {
      out.status = 'HELD';
      out.detail = 'the server still held the connection';
      return;
    }
    const r = await s.recv(4096, left);
    if (r.result === SOCKET_ERROR && r.error === WSAETIMEDOUT) continue;
    if (r.result > 0) {
      out.bytesReceived += r.result;
      continue;
    }
    out.status = 'CUT';
    out.detail = `after ${((ctx.now() - (end - holdNs)) / 1e6).toFixed(0)} ms: ${r.result === 0 ? 'FIN' : wsaErrorName(r.error)}`;
    return;
  }
}

const TARGET = { type: 'string', description: 'server as device:port or address:port', default: 'server:443' } as const;

/** Connects and holds the connection, sending `bytes` bytes one every `intervalMs` (0 bytes: idle). */
export const idleClient: ProgramDefinition = {
  name: 'idle-client',
  description: 'connects and holds the connection open, silent or trickling one byte every intervalMs (slowloris); CUT when the server ends it',
  role: 'client',
  params: {
    connect: TARGET,
    bytes: { type: 'integer', description: 'bytes to trickle (0: idle)', default: 0, min: 0 },
    intervalMs: { type: 'number', description: 'virtual ms between trickled bytes', default: 1000, min: 1 },
    holdMs: { type: 'number', description: 'how long to hold the connection (virtual ms)', default: 60000, min: 1 },
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const out = emptyOutcome('idle-client');
    const s = await connectTo(rc, out);
    if (!s) return out;
    const { ctx } = rc;
    const start = ctx.now();
    const holdNs = ms(rc.params.holdMs);
    let cut = false;
    // A TLS record header's first byte (handshake) and on: a ClientHello that never completes.
    const trickle = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01];
    for (let i = 0; i < Number(rc.params.bytes) && !cut; i++) {
      if ((await s.send(Uint8Array.of(trickle[i % trickle.length]!))) === SOCKET_ERROR) {
        cut = true;
        out.status = 'CUT';
        out.detail = `send: ${wsaErrorName(s.lastError)}`;
        break;
      }
      out.bytesSent++;
      const r = await s.recv(4096, ms(rc.params.intervalMs));
      if (r.result === 0 || (r.result === SOCKET_ERROR && r.error !== WSAETIMEDOUT)) {
        cut = true;
        out.status = 'CUT';
        out.detail = `after ${((ctx.now() - start) / 1e6).toFixed(0)} ms: ${r.result === 0 ? 'FIN' : wsaErrorName(r.error)}`;
      }
    }
    if (!cut) await holdUntilCut(ctx, s, Math.max(0, holdNs - (ctx.now() - start)), out);
    out.ok = true;
    s.close();
    return out;
  },
};

/** Sends `bytes` seeded random bytes (or an oversize record header), then waits to be cut. */
export const garbageClient: ProgramDefinition = {
  name: 'garbage-client',
  description: 'sends random bytes (kind random) or a record header with an oversize length (kind oversize), then waits for the server to end the connection',
  role: 'client',
  params: {
    connect: TARGET,
    kind: { type: 'string', description: 'what to send', default: 'random', enum: ['random', 'oversize', 'handshake-noise'] },
    bytes: { type: 'integer', description: 'bytes of garbage', default: 4096, min: 1, max: 1 << 20 },
    holdMs: { type: 'number', description: 'how long to wait for the server (virtual ms)', default: 30000, min: 1 },
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const out = emptyOutcome('garbage-client');
    const s = await connectTo(rc, out);
    if (!s) return out;
    const { ctx } = rc;
    const n = Number(rc.params.bytes);
    const buf = ctx.process.LocalAlloc(LMEM_FIXED, Math.min(n, 4096));
    if (buf === 0) {
      out.status = 'ERROR_NOT_ENOUGH_MEMORY';
      s.close();
      return out;
    }
    try {
      const rnd = ctx.device.rng.derive(`garbage/${ctx.process.pid}`);
      let first = true;
      for (let off = 0; off < n; ) {
        const len = Math.min(4096, n - off);
        const chunk = rnd.bytes(len);
        if (first && rc.params.kind === 'oversize') chunk.set([0x16, 0x03, 0x03, 0xff, 0xff].slice(0, len));
        if (first && rc.params.kind === 'handshake-noise') chunk.set([0x16, 0x03, 0x01, (len - 5) >> 8, (len - 5) & 0xff].slice(0, len));
        first = false;
        ctx.process.write(buf, chunk);
        if ((await s.send(ctx.process.read(buf, len))) === SOCKET_ERROR) {
          out.status = 'CUT';
          out.detail = `send: ${wsaErrorName(s.lastError)}`;
          out.ok = true;
          return out;
        }
        out.bytesSent += len;
        off += len;
      }
      await holdUntilCut(ctx, s, ms(rc.params.holdMs), out);
      out.ok = true;
      return out;
    } finally {
      ctx.process.LocalFree(buf);
      s.close();
    }
  },
};

/** Opens and closes `connections` connections back to back. */
export const floodClient: ProgramDefinition = {
  name: 'flood-client',
  description: 'opens and at once closes connections, one after another, as fast as the link allows',
  role: 'client',
  params: {
    connect: TARGET,
    connections: { type: 'integer', description: 'connections to open and close', default: 100, min: 1 },
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const out = emptyOutcome('flood-client');
    const statuses: Record<string, number> = {};
    for (let i = 0; i < Number(rc.params.connections); i++) {
      const o = emptyOutcome('flood-client');
      const s = await connectTo(rc, o);
      const st = s ? 'OPENED' : o.status;
      statuses[st] = (statuses[st] ?? 0) + 1;
      if (s) {
        out.connections++;
        s.close();
      }
    }
    out.connectionStatuses = statuses;
    out.status = 'OK';
    out.ok = true;
    return out;
  },
};
