/**
 * `tls-client` and `tls-server`: Schannel through SSPI on an emulated device, with an
 * HTTP/1.0 request and response through EncryptMessage/DecryptMessage.
 */
import { SP_PROT_TLS1_3_CLIENT, SP_PROT_TLS1_3_SERVER, SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER } from '../../sspi/index.js';
import type { TaskContext } from '../loop/task.js';
import type { StreamSocket } from '../net/socket.js';
import { wsaErrorName } from '../net/winsock.js';
import { SocketStream, TaskProgramHost, spawnThread } from './emulated.js';
import { parseTarget, type ParamSpec, type ProgramDefinition, type ProgramRunContext } from './registry.js';
import { HANDSHAKE_IO_BUFFER_BYTES, NO_STREAM, TlsSession, type SessionLimits, type TlsCredentialOptions } from './tls-session.js';
import { emptyOutcome, type ByteStream, type HandshakeGate, type ProgramHost, type ProgramOutcome } from './types.js';
import { LMEM_FIXED, type DeviceProfile } from '../../device/index.js';

const ms = (v: unknown): number => Math.round(Number(v) * 1_000_000);
const enc = new TextEncoder();
const dec = new TextDecoder();

/** `SCHANNEL_CRED.grbitEnabledProtocols` for a list of protocol names. */
export function protocolBits(names: readonly string[], role: 'client' | 'server'): number {
  let bits = 0;
  for (const n of names) {
    if (n === 'tls1.3') bits |= role === 'client' ? SP_PROT_TLS1_3_CLIENT : SP_PROT_TLS1_3_SERVER;
    else if (n === 'tls1.2') bits |= role === 'client' ? SP_PROT_TLS1_2_CLIENT : SP_PROT_TLS1_2_SERVER;
  }
  return bits >>> 0;
}

/** Options of one TLS client exchange. */
export interface TlsClientExchange {
  targetName: string | null;
  alpn: string[];
  request: Uint8Array;
  credential: TlsCredentialOptions;
  recvTimeoutNs?: number;
  /** Largest response kept in the outcome's `response` (bytes). */
  keepResponseBytes?: number;
  /**
   * A session holding a credential already acquired: this exchange uses its handle (and so the
   * session cache entries made under it, the CE reuse rule) instead of acquiring one.
   */
  sharedCredential?: TlsSession;
}

/** A client exchange's outcome and the response bytes it kept. */
export interface TlsClientResult {
  outcome: ProgramOutcome;
  response: Uint8Array;
}

/**
 * One client connection over an established stream: credentials, handshake, the request, the
 * response until the server's close_notify (or end of stream), shutdown, clean-up. Shared by
 * `tls-client` and `cesim connect`.
 */
export async function tlsClientExchange(host: ProgramHost, stream: ByteStream, x: TlsClientExchange, program = 'tls-client'): Promise<TlsClientResult> {
  const out = emptyOutcome(program);
  out.connections = 1;
  const session = new TlsSession(host, stream, 'client', x.recvTimeoutNs);
  const chunks: Uint8Array[] = [];
  let kept = 0;
  const keep = x.keepResponseBytes ?? 1 << 20;
  try {
    if (x.sharedCredential) session.shareCredentials(x.sharedCredential);
    else {
      const cred = session.acquireCredentials(x.credential);
      if (cred.status !== 0) return fail(out, cred, session, chunks);
    }
    const hs = await session.clientHandshake(x.targetName, x.alpn);
    out.handshakeNs = session.handshakeNs;
    out.handshakeCpuNs = session.handshakeCpuNs;
    out.handshakeNetNs = Math.max(0, session.handshakeNs - session.handshakeCpuNs);
    if (hs.status !== 0) return fail(out, hs, session, chunks);
    const neg = session.negotiated();
    out.protocol = neg.protocol;
    out.cipherSuite = neg.cipherSuite;
    if (neg.alpn) out.alpn = neg.alpn;
    if (neg.resumed) out.resumed = true;
    host.trace('tls.established', { role: 'client', protocol: neg.protocol, suite: neg.cipherSuite, handshakeNs: session.handshakeNs });
    const sent = await session.send(x.request);
    if (sent.status !== 0) return fail(out, sent, session, chunks);
    out.bytesSent = x.request.length;
    const rd = await session.receive((pt) => {
      out.bytesReceived += pt.length;
      if (kept < keep) {
        chunks.push(pt.subarray(0, keep - kept));
        kept += Math.min(pt.length, keep - kept);
      }
      return false;
    });
    if (rd.status !== 0) return fail(out, rd, session, chunks);
    // Our close_notify; the server may already have closed, so a failed send is not an error.
    await session.shutdown();
    out.status = 'SEC_E_OK';
    out.ok = true;
    return { outcome: finish(out, session, chunks), response: joinChunks(chunks) };
  } finally {
    session.dispose();
  }
}

function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const b = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    b.set(c, o);
    o += c.length;
  }
  return b;
}

function finish(out: ProgramOutcome, session: TlsSession, chunks: readonly Uint8Array[]): ProgramOutcome {
  out.wireBytesSent = session.wireBytesSent;
  out.wireBytesReceived = session.wireBytesReceived;
  const text = dec.decode(joinChunks(chunks).subarray(0, 256));
  const line = text.split('\r\n')[0];
  if (line) out.firstLine = line;
  return out;
}

function fail(out: ProgramOutcome, r: { statusName: string; detail?: string }, session: TlsSession, chunks: Uint8Array[]): TlsClientResult {
  out.status = r.statusName;
  if (r.detail) out.detail = r.detail;
  return { outcome: finish(out, session, chunks), response: joinChunks(chunks) };
}

/** Reads PEM files named by a program's parameters. */
function credentialFrom(rc: ProgramRunContext, role: 'client' | 'server'): TlsCredentialOptions {
  const p = rc.params;
  const c: TlsCredentialOptions = { protocols: protocolBits(p.protocols as string[], role) };
  if (typeof p.cert === 'string' && typeof p.key === 'string') {
    c.certPem = rc.readFile(p.cert);
    c.keyPem = rc.readFile(p.key);
  }
  if (Array.isArray(p.roots)) c.rootsPem = (p.roots as string[]).map((f) => rc.readFile(f));
  if (p.insecure === true) c.manualValidation = true;
  return c;
}

/** The TLS client program. */
export const tlsClient: ProgramDefinition = {
  name: 'tls-client',
  description: 'connects, runs the InitializeSecurityContext loop, sends an HTTP/1.0 GET, reads the response, shuts down',
  role: 'client',
  params: {
    connect: { type: 'string', description: 'server as device:port or address:port', default: 'server:443' },
    serverName: { type: 'string', description: 'pszTargetName (SNI and the name checked against the certificate)', default: 'device.test' },
    path: { type: 'string', description: 'the GET request path', default: '/' },
    alpn: { type: 'string[]', description: 'ALPN protocols offered', default: [] },
    protocols: { type: 'string[]', description: 'enabled protocols', default: ['tls1.3'], enum: ['tls1.3', 'tls1.2'] },
    roots: { type: 'string[]', description: 'PEM trust anchors added to the device ROOT store (paths)', default: ['pki/ec-root.pem'] },
    cert: { type: 'string', description: 'client certificate chain PEM (path)', optional: true },
    key: { type: 'string', description: 'client private key PEM (path)', optional: true },
    insecure: { type: 'boolean', description: 'skip certificate validation (SCH_CRED_MANUAL_CRED_VALIDATION, unchecked)', default: false },
    connections: { type: 'integer', description: 'connections made one after another', default: 1, min: 1 },
    intervalMs: { type: 'number', description: 'pause between one connection and the next (virtual ms)', default: 0, min: 0 },
    keepResponse: {
      type: 'boolean',
      description: 'hold the last response in a LocalAlloc block (tag app.response) until the next one has arrived, as firmware caching its latest document does',
      default: false,
    },
    recvTimeoutMs: { type: 'number', description: 'receive timeout (virtual ms)', default: 30000, min: 1 },
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const { ctx, params } = rc;
    const target = parseTarget(String(params.connect))!;
    const address = rc.resolveAddress(target.host);
    const host = new TaskProgramHost(ctx);
    const request = enc.encode(`GET ${String(params.path)} HTTP/1.0\r\nHost: ${String(params.serverName)}\r\nUser-Agent: cesim-tls-client\r\n\r\n`);
    const total = emptyOutcome('tls-client');
    total.status = 'SEC_E_OK';
    total.ok = true;
    total.handshakeNs = 0;
    total.handshakeCpuNs = 0;
    total.handshakeNetNs = 0;
    const p = ctx.process;
    // The last response, in device memory (keepResponse): the newest is allocated before the
    // previous one is freed, so blocks of varying sizes outlive the sessions between them.
    let kept = 0;
    for (let i = 0; i < Number(params.connections); i++) {
      if (i > 0 && Number(params.intervalMs) > 0) await ctx.sleep(ms(params.intervalMs));
      const s = await ctx.connect(address, target.port);
      if (s.lastError !== 0) {
        // WSAGetLastError() before closesocket: a successful close resets the last error.
        total.ok = false;
        total.status = wsaErrorName(s.lastError);
        total.detail = `connect ${String(params.connect)}: ${total.status}`;
        s.close();
        break;
      }
      const { outcome, response } = await tlsClientExchange(host, new SocketStream(s), {
        targetName: String(params.serverName),
        alpn: params.alpn as string[],
        request,
        credential: credentialFrom(rc, 'client'),
        recvTimeoutNs: ms(params.recvTimeoutMs),
      });
      s.close();
      if (outcome.ok && params.keepResponse === true && response.length > 0) {
        const block = p.LocalAlloc(LMEM_FIXED, response.length, 'app.response');
        if (block === 0) {
          outcome.ok = false;
          outcome.status = 'SEC_E_INSUFFICIENT_MEMORY';
          outcome.detail = `LocalAlloc of the ${response.length}-byte response (connection ${i + 1}) failed`;
        } else {
          p.write(block, response);
          if (kept !== 0) p.LocalFree(kept);
          kept = block;
        }
      }
      merge(total, outcome);
      if (!outcome.ok) break;
    }
    if (kept !== 0) p.LocalFree(kept);
    return total;
  },
};

/** Adds one connection's outcome to a program's running total (the last connection's names win). */
function merge(total: ProgramOutcome, o: ProgramOutcome): void {
  total.connections += o.connections;
  total.bytesSent += o.bytesSent;
  total.bytesReceived += o.bytesReceived;
  total.wireBytesSent += o.wireBytesSent;
  total.wireBytesReceived += o.wireBytesReceived;
  total.handshakeNs = (total.handshakeNs ?? 0) + (o.handshakeNs ?? 0);
  total.handshakeCpuNs = (total.handshakeCpuNs ?? 0) + (o.handshakeCpuNs ?? 0);
  total.handshakeNetNs = (total.handshakeNetNs ?? 0) + (o.handshakeNetNs ?? 0);
  if (o.protocol) total.protocol = o.protocol;
  if (o.cipherSuite) total.cipherSuite = o.cipherSuite;
  if (o.alpn) total.alpn = o.alpn;
  if (o.firstLine) total.firstLine = o.firstLine;
  if (!o.ok) {
    total.ok = false;
    total.status = o.status;
    if (o.detail) total.detail = o.detail;
  }
}

/** What the server answers: an HTTP/1.0 response with a `bodyBytes` text body. */
export function httpResponse(bodyBytes: number, requestLine: string): Uint8Array {
  const line = `cesim emulated device answered: ${requestLine}\n`;
  let body = '';
  while (body.length < bodyBytes) body += line;
  body = body.slice(0, bodyBytes);
  return enc.encode(`HTTP/1.0 200 OK\r\nServer: cesim\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

/** Options of one server connection. */
export interface TlsServerExchange {
  mutualAuth: boolean;
  /** ALPN protocols the server accepts. */
  alpn?: string[];
  responseBytes: number;
  recvTimeoutNs?: number;
  /** Largest request accepted (bytes) before answering anyway. */
  maxRequestBytes?: number;
  /** Deadlines and progress rules against slow or hostile peers. */
  limits?: SessionLimits;
  /** Handshake admission shared by the server's connections. */
  gate?: HandshakeGate;
}

/**
 * Schannel's general-pool bytes per server handshake, for the admission default: the default
 * scenario's server peaks at 3,036 B for one connection (context, transcript, key schedule,
 * traffic keys; the credential included), rounded up.
 */
export const GENERAL_POOL_BYTES_PER_HANDSHAKE = 3072;

/** A server's admission limits. */
export interface AdmissionLimits {
  /** Handshakes in progress at once (a connection counts from its first bytes). */
  maxHandshakes: number;
  /** Handshakes in progress plus established connections. */
  maxConnections: number;
}

/**
 * What `profile` can hold at once, the default of `maxHandshakes`/`maxConnections`: a
 * handshake holds an `io`-pool block (its flight or handshake-message buffer) and about
 * {@link GENERAL_POOL_BYTES_PER_HANDSHAKE} of the general pool; an established connection can
 * grow to one full record each way in the process heap (receive buffer and EncryptMessage
 * buffer, {@link HANDSHAKE_IO_BUFFER_BYTES} each), of which 90 % of the heap is given to them.
 */
export function admissionDefaults(profile: DeviceProfile): AdmissionLimits {
  const pool = (name: string) => profile.pools.find((p) => p.name === name);
  const usable = (name: string) => pool(name)?.buckets.reduce((n, b) => n + b.blockSize * b.count, 0) ?? 0;
  const ioBlocks = pool('io')?.buckets.reduce((n, b) => n + b.count, 0) ?? 1;
  const maxConnections = Math.max(1, Math.floor((profile.heapBytes * 0.9) / (2 * HANDSHAKE_IO_BUFFER_BYTES)));
  const maxHandshakes = Math.max(1, Math.min(maxConnections, ioBlocks, Math.floor(usable('general') / GENERAL_POOL_BYTES_PER_HANDSHAKE)));
  return { maxHandshakes, maxConnections };
}

/** Counts of a server's admission, for its outcome. */
export interface AdmissionCounts {
  /** Connections that waited for a handshake slot. */
  waited: number;
  /** Most handshakes in progress at once. */
  peakHandshakes: number;
  /** Most handshakes plus established connections at once. */
  peakConnections: number;
}

/** The handshake gate of one server: slots from {@link AdmissionLimits}. */
export class AdmissionGate implements HandshakeGate {
  private handshakes = 0;
  private established = 0;
  readonly counts: AdmissionCounts = { waited: 0, peakHandshakes: 0, peakConnections: 0 };

  constructor(readonly limits: AdmissionLimits) {}

  tryEnter(): boolean {
    if (this.handshakes >= this.limits.maxHandshakes || this.handshakes + this.established >= this.limits.maxConnections) return false;
    this.handshakes++;
    this.counts.peakHandshakes = Math.max(this.counts.peakHandshakes, this.handshakes);
    this.counts.peakConnections = Math.max(this.counts.peakConnections, this.handshakes + this.established);
    return true;
  }
  waiting(): void {
    this.counts.waited++;
  }
  leave(established: boolean): void {
    this.handshakes--;
    if (established) this.established++;
  }
  closeEstablished(): void {
    this.established--;
  }
  /** Handshakes in progress now. */
  get inProgress(): number {
    return this.handshakes;
  }
}

/**
 * One server connection over an accepted stream, with a credential already acquired by
 * `credSession`: the AcceptSecurityContext loop, the request up to its blank line, the
 * response, close_notify, and the client's close_notify. Shared by `tls-server` and `cesim serve`.
 */
export async function tlsServerExchange(host: ProgramHost, stream: ByteStream, credSession: TlsSession, x: TlsServerExchange, program = 'tls-server'): Promise<ProgramOutcome> {
  const out = emptyOutcome(program);
  out.connections = 1;
  const session = new TlsSession(host, stream, 'server', x.recvTimeoutNs);
  session.shareCredentials(credSession);
  if (x.limits) session.setLimits(x.limits);
  if (x.gate) session.setGate(x.gate);
  try {
    const hs = await session.serverHandshake(x.mutualAuth, x.alpn ?? []);
    out.handshakeNs = session.handshakeNs;
    out.handshakeCpuNs = session.handshakeCpuNs;
    out.handshakeNetNs = Math.max(0, session.handshakeNs - session.handshakeCpuNs);
    if (hs.status !== 0) return serverFail(out, hs, session);
    const neg = session.negotiated();
    out.protocol = neg.protocol;
    out.cipherSuite = neg.cipherSuite;
    if (neg.alpn) out.alpn = neg.alpn;
    if (neg.resumed) out.resumed = true;
    host.trace('tls.established', { role: 'server', protocol: neg.protocol, suite: neg.cipherSuite, handshakeNs: session.handshakeNs });
    let request = '';
    const max = x.maxRequestBytes ?? 8192;
    const rd = await session.receive((pt) => {
      out.bytesReceived += pt.length;
      request += dec.decode(pt);
      return request.includes('\r\n\r\n') || request.includes('\n\n') || request.length >= max;
    });
    if (rd.status !== 0) return serverFail(out, rd, session);
    const firstLine = request.split(/\r?\n/)[0] ?? '';
    out.firstLine = firstLine;
    const response = httpResponse(x.responseBytes, firstLine);
    const sent = await session.send(response);
    if (sent.status !== 0) return serverFail(out, sent, session);
    out.bytesSent = response.length;
    const sd = await session.shutdown();
    if (sd.status !== 0) return serverFail(out, sd, session);
    // Wait for the client's close_notify (or its FIN), so closing does not reset unread data.
    if (!session.peerClosed) await session.receive(() => false);
    out.status = 'SEC_E_OK';
    out.ok = true;
    out.wireBytesSent = session.wireBytesSent;
    out.wireBytesReceived = session.wireBytesReceived;
    return out;
  } finally {
    session.dispose();
  }
}

function serverFail(out: ProgramOutcome, r: { statusName: string; detail?: string }, session: TlsSession): ProgramOutcome {
  out.status = r.statusName;
  if (r.detail) out.detail = r.detail;
  out.wireBytesSent = session.wireBytesSent;
  out.wireBytesReceived = session.wireBytesReceived;
  return out;
}

/** The limits a server's parameters set (shared by `tls-server` and `cesim serve`). */
export function serverLimits(params: Record<string, unknown>): SessionLimits {
  return {
    handshakeTimeoutNs: ms(params.handshakeTimeoutMs),
    idleTimeoutNs: ms(params.idleTimeoutMs),
    minHandshakeBytesPerSecond: Number(params.minHandshakeBytesPerSecond),
    progressGraceNs: ms(params.progressGraceMs),
    maxHelloBytes: Number(params.maxHelloBytes),
  };
}

async function serveOne(tctx: TaskContext, s: StreamSocket, cred: TlsSession, rc: ProgramRunContext, gate: AdmissionGate, responseBytes: number): Promise<ProgramOutcome> {
  try {
    return await tlsServerExchange(new TaskProgramHost(tctx), new SocketStream(s), cred, {
      mutualAuth: rc.params.clientAuth === true,
      alpn: rc.params.alpn as string[],
      responseBytes,
      recvTimeoutNs: ms(rc.params.recvTimeoutMs),
      limits: serverLimits(rc.params),
      gate,
    });
  } finally {
    s.close();
  }
}

/** The server's defences, as program parameters (scenario fields; `cesim serve` flags). */
export const SERVER_DEFENCE_PARAMS = {
  maxHandshakes: { type: 'integer', description: 'handshakes in progress at once (default: what the device pools hold)', optional: true, min: 1 },
  maxConnections: { type: 'integer', description: 'handshakes plus established connections at once (default: what the heap holds)', optional: true, min: 1 },
  maxSockets: { type: 'integer', description: 'accepted sockets at once, idle ones included; beyond it connections wait in the listen backlog', default: 256, min: 1 },
  handshakeTimeoutMs: { type: 'number', description: 'the whole handshake must be done within this (virtual ms)', default: 20000, min: 1 },
  idleTimeoutMs: { type: 'number', description: 'after the handshake, the longest wait for the next record (virtual ms)', default: 30000, min: 1 },
  minHandshakeBytesPerSecond: { type: 'number', description: 'a handshake slower than this on average (after progressGraceMs) is cut', default: 16, min: 0 },
  progressGraceMs: { type: 'number', description: 'how long the minimum-progress rule waits (virtual ms)', default: 3000, min: 0 },
  maxHelloBytes: { type: 'integer', description: 'bytes accepted before a whole ClientHello', default: 32768, min: 512 },
} as const satisfies Record<string, ParamSpec>;

/** The TLS server program. */
export const tlsServer: ProgramDefinition = {
  name: 'tls-server',
  description: 'accepts connections (each on its own thread), runs the AcceptSecurityContext loop, answers one HTTP/1.0 request, shuts down',
  role: 'server',
  params: {
    port: { type: 'integer', description: 'port to listen on', default: 443, min: 1, max: 65535 },
    cert: { type: 'string', description: 'server certificate chain PEM (path)', default: 'pki/server-p256.chain.pem' },
    key: { type: 'string', description: 'server private key PEM (path)', default: 'pki/server-p256.key.pem' },
    roots: { type: 'string[]', description: 'PEM trust anchors for client certificates (paths)', default: [] },
    clientAuth: { type: 'boolean', description: 'ask for a client certificate (ASC_REQ_MUTUAL_AUTH)', default: false },
    alpn: { type: 'string[]', description: 'ALPN protocols accepted', default: [] },
    protocols: { type: 'string[]', description: 'enabled protocols', default: ['tls1.3'], enum: ['tls1.3', 'tls1.2'] },
    responseBytes: { type: 'integer', description: 'HTTP response body size', default: 1024, min: 0 },
    responseBytesMax: {
      type: 'integer',
      description: "with it, each connection's body size is drawn from responseBytes..responseBytesMax with the device's seeded random",
      optional: true,
      min: 0,
    },
    connections: { type: 'integer', description: 'connections to serve before exiting (default: the clients that target it)', optional: true, min: 0 },
    backlog: { type: 'integer', description: 'listen backlog (default: connections)', optional: true, min: 1 },
    acceptTimeoutMs: { type: 'number', description: 'give up waiting for a connection after this (virtual ms)', default: 60000, min: 1 },
    recvTimeoutMs: { type: 'number', description: 'receive timeout (virtual ms)', default: 30000, min: 1 },
    ...SERVER_DEFENCE_PARAMS,
  },
  async run(rc: ProgramRunContext): Promise<ProgramOutcome> {
    const { ctx, params } = rc;
    const out = emptyOutcome('tls-server');
    const want = Number(params.connections ?? 1);
    const host = new TaskProgramHost(ctx);
    const l = ctx.listen(Number(params.port), Number(params.backlog ?? Math.max(5, want)));
    if (l.lastError !== 0) {
      out.status = wsaErrorName(l.lastError);
      l.close();
      return out;
    }
    // One credential for every connection, as a server does.
    const cred = new TlsSession(host, NO_STREAM, 'server');
    const acq = cred.acquireCredentials(credentialFrom(rc, 'server'));
    if (acq.status !== 0) {
      out.status = acq.statusName;
      if (acq.detail) out.detail = acq.detail;
      l.close();
      cred.dispose();
      return out;
    }
    const statuses: Record<string, number> = {};
    const threads: Promise<void>[] = [];
    out.handshakeNs = 0;
    out.handshakeCpuNs = 0;
    out.handshakeNetNs = 0;
    let served = 0;
    let open = 0;
    let openAtFirstFailure = -1;
    const defaults = admissionDefaults(ctx.device.profile);
    const gate = new AdmissionGate({
      maxHandshakes: params.maxHandshakes === undefined ? defaults.maxHandshakes : Number(params.maxHandshakes),
      maxConnections: params.maxConnections === undefined ? defaults.maxConnections : Number(params.maxConnections),
    });
    const maxSockets = Number(params.maxSockets);
    while (served < want) {
      // Beyond maxSockets, connections wait in the listen backlog (and are refused once it is full).
      if (open >= maxSockets && !(await ctx.waitFor(() => open < maxSockets, ms(params.acceptTimeoutMs))).ok) {
        out.detail = `accept: ${open} sockets open for ${params.acceptTimeoutMs} ms after ${served} of ${want} connections`;
        break;
      }
      const s = await l.accept(ms(params.acceptTimeoutMs));
      if (!s) {
        out.detail = `accept: ${wsaErrorName(l.lastError)} after ${served} of ${want} connections`;
        break;
      }
      served++;
      open++;
      const min = Number(params.responseBytes);
      const responseBytes = params.responseBytesMax === undefined ? min : min + ctx.device.rng.int(Math.max(0, Number(params.responseBytesMax) - min) + 1);
      threads.push(
        spawnThread(ctx, `conn${served}`, async (tctx) => {
          const o = await serveOne(tctx, s, cred, rc, gate, responseBytes);
          if (!o.ok && openAtFirstFailure < 0) openAtFirstFailure = open;
          open--;
          statuses[o.status] = (statuses[o.status] ?? 0) + 1;
          out.connections++;
          out.bytesSent += o.bytesSent;
          out.bytesReceived += o.bytesReceived;
          out.wireBytesSent += o.wireBytesSent;
          out.wireBytesReceived += o.wireBytesReceived;
          if (o.ok) {
            out.handshakeNs = Math.max(out.handshakeNs ?? 0, o.handshakeNs ?? 0);
            out.handshakeCpuNs = Math.max(out.handshakeCpuNs ?? 0, o.handshakeCpuNs ?? 0);
            out.handshakeNetNs = Math.max(out.handshakeNetNs ?? 0, o.handshakeNetNs ?? 0);
            if (o.protocol) out.protocol = o.protocol;
            if (o.cipherSuite) out.cipherSuite = o.cipherSuite;
            if (o.alpn) out.alpn = o.alpn;
            if (o.firstLine) out.firstLine = o.firstLine;
          } else if (!out.detail && o.detail) out.detail = `connection ${served}: ${o.detail}`;
        }),
      );
    }
    l.close();
    await ctx.waitFor(Promise.all(threads));
    cred.dispose();
    out.connectionStatuses = statuses;
    out.admission = { ...gate.limits, ...gate.counts };
    if (openAtFirstFailure > 0) out.detail = `first failure with ${openAtFirstFailure} connection(s) open${out.detail ? `; ${out.detail}` : ''}`;
    const bad = Object.keys(statuses).filter((k) => k !== 'SEC_E_OK');
    out.status = served < want ? 'WSAETIMEDOUT' : bad.length > 0 ? bad.sort()[0]! : 'SEC_E_OK';
    out.ok = out.status === 'SEC_E_OK';
    return out;
  },
};
