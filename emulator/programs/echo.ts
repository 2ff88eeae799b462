/**
 * `echo-client` and `echo-server`: plain Winsock stream sockets, no TLS. The client sends a
 * deterministic pattern, half-closes, and checks that the same bytes come back; the server
 * echoes every connection until the peer's FIN. The pre-Schannel default scenario.
 */
import { LMEM_FIXED } from '../../device/index.js';
import type { TaskContext } from '../loop/task.js';
import type { StreamSocket } from '../net/socket.js';
import { SOCKET_ERROR, SD_SEND, wsaErrorName } from '../net/winsock.js';
import { spawnThread } from './emulated.js';
import { parseTarget, type ProgramDefinition, type ProgramRunContext } from './registry.js';
import { emptyOutcome, type ProgramOutcome } from './types.js';

/** A deterministic payload (an LCG), the same for a given length and salt. */
export function echoPattern(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  let x = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const ms = (v: unknown): number => Math.round(Number(v) * 1_000_000);

/** The echo client. */
export const echoClient: ProgramDefinition = {
  name: 'echo-client',
  description: 'connects, sends `bytes` in `chunk`-byte sends, half-closes, and checks the echo',
  role: 'client',
  params: {
    connect: { type: 'string', description: 'server as device:port or address:port', default: 'server:7' },
    bytes: { type: 'integer', description: 'bytes to send', default: 16384, min: 0 },
    chunk: { type: 'integer', description: 'bytes per send (and receive buffer size)', default: 1024, min: 1, max: 65536 },
    recvTimeoutMs: { type: 'number', description: 'receive timeout (virtual ms)', default: 30000, min: 1 },
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const { ctx, params } = rc;
    const out = emptyOutcome('echo-client');
    const target = parseTarget(String(params.connect))!;
    const s = await ctx.connect(rc.resolveAddress(target.host), target.port);
    if (s.lastError !== 0) {
      out.status = wsaErrorName(s.lastError);
      out.detail = `connect ${params.connect}: ${out.status}`;
      s.close();
      return out;
    }
    out.connections = 1;
    const total = Number(params.bytes);
    const chunk = Number(params.chunk);
    const payload = echoPattern(total, ctx.process.pid);
    const p = ctx.process;
    const buf = p.LocalAlloc(LMEM_FIXED, chunk);
    if (buf === 0) {
      out.status = 'ERROR_NOT_ENOUGH_MEMORY';
      s.close();
      return out;
    }
    try {
      // Send and receive at once, so a large payload does not deadlock on full windows.
      const received: Uint8Array[] = [];
      let got = 0;
      const reader = (async () => {
        for (;;) {
          const r = await s.recv(chunk, ms(params.recvTimeoutMs));
          if (r.result === SOCKET_ERROR) return wsaErrorName(r.error);
          if (r.result === 0) return 'OK';
          p.write(buf, r.data);
          received.push(p.read(buf, r.result));
          got += r.result;
        }
      })();
      for (let off = 0; off < total; off += chunk) {
        const part = payload.subarray(off, Math.min(total, off + chunk));
        if ((await s.send(part)) === SOCKET_ERROR) {
          out.status = wsaErrorName(s.lastError);
          break;
        }
        out.bytesSent += part.length;
      }
      s.shutdown(SD_SEND);
      const r = await ctx.waitFor(reader);
      const readStatus = r.ok ? r.value : 'WSAETIMEDOUT';
      out.bytesReceived = got;
      out.wireBytesSent = out.bytesSent;
      out.wireBytesReceived = got;
      if (out.status === 'NOT_STARTED') out.status = readStatus;
      if (out.status === 'OK') {
        let same = got === total;
        let o = 0;
        for (const part of received) {
          for (let i = 0; same && i < part.length; i++) if (part[i] !== payload[o + i]) same = false;
          o += part.length;
        }
        out.ok = same;
        if (!same) {
          out.status = 'ECHO_MISMATCH';
          out.detail = `sent ${total} bytes, got ${got} back${got === total ? ' with different content' : ''}`;
        }
      }
    } finally {
      p.LocalFree(buf);
      s.close();
    }
    return out;
  },
};

async function echoConnection(ctx: TaskContext, s: StreamSocket, chunk: number, timeoutNs: number, out: ProgramOutcome): Promise<string> {
  const p = ctx.process;
  const buf = p.LocalAlloc(LMEM_FIXED, chunk);
  if (buf === 0) {
    s.close();
    return 'ERROR_NOT_ENOUGH_MEMORY';
  }
  try {
    for (;;) {
      const r = await s.recv(chunk, timeoutNs);
      if (r.result === SOCKET_ERROR) return wsaErrorName(r.error);
      if (r.result === 0) return 'OK';
      p.write(buf, r.data);
      out.bytesReceived += r.result;
      if ((await s.send(p.read(buf, r.result))) === SOCKET_ERROR) return wsaErrorName(s.lastError);
      out.bytesSent += r.result;
    }
  } finally {
    p.LocalFree(buf);
    s.close();
  }
}

/** The echo server. */
export const echoServer: ProgramDefinition = {
  name: 'echo-server',
  description: 'accepts `connections` connections (each on its own thread) and echoes each until FIN',
  role: 'server',
  params: {
    port: { type: 'integer', description: 'port to listen on', default: 7, min: 1, max: 65535 },
    connections: { type: 'integer', description: 'connections to serve before exiting (default: the clients that target it)', optional: true, min: 0 },
    backlog: { type: 'integer', description: 'listen backlog (default: connections)', optional: true, min: 1 },
    chunk: { type: 'integer', description: 'receive buffer size', default: 1024, min: 1, max: 65536 },
    acceptTimeoutMs: { type: 'number', description: 'give up waiting for a connection after this (virtual ms)', default: 60000, min: 1 },
    recvTimeoutMs: { type: 'number', description: 'receive timeout (virtual ms)', default: 30000, min: 1 },
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const { ctx, params } = rc;
    const out = emptyOutcome('echo-server');
    const want = Number(params.connections ?? 1);
    const l = ctx.listen(Number(params.port), Number(params.backlog ?? Math.max(5, want)));
    if (l.lastError !== 0) {
      out.status = wsaErrorName(l.lastError);
      l.close();
      return out;
    }
    const statuses: Record<string, number> = {};
    const threads: Promise<void>[] = [];
    while (out.connections < want) {
      const s = await l.accept(ms(params.acceptTimeoutMs));
      if (!s) {
        out.detail = `accept: ${wsaErrorName(l.lastError)} after ${out.connections} of ${want} connections`;
        break;
      }
      out.connections++;
      threads.push(
        spawnThread(ctx, `conn${out.connections}`, async (tctx) => {
          const st = await echoConnection(tctx, s, Number(params.chunk), ms(params.recvTimeoutMs), out);
          statuses[st] = (statuses[st] ?? 0) + 1;
        }),
      );
    }
    l.close();
    await ctx.waitFor(Promise.all(threads));
    out.wireBytesSent = out.bytesSent;
    out.wireBytesReceived = out.bytesReceived;
    out.connectionStatuses = statuses;
    const bad = Object.keys(statuses).filter((k) => k !== 'OK');
    out.status = out.connections < want ? 'WSAETIMEDOUT' : bad.length > 0 ? bad[0]! : 'OK';
    out.ok = out.status === 'OK';
    return out;
  },
};
