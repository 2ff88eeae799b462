/**
 * `cesim serve` and `cesim connect`: an emulated device behind a real TCP socket, in real
 * time, through the bridge (`emulator/bridge/`).
 */
import { readFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { getProfile, type DeviceProfile } from '../../device/index.js';
import { CALG_AES_128, CALG_AES_256 } from '../../sspi/index.js';
import { ALL_GROUPS, ALL_SUITES, cngCurveName, loadCertificateWithKey, resolveGroupName, resolveSuiteName, CertFreeCertificateContext } from '../../schannel/index.js';
import { BridgeDevice, RealSocketStream, bridgeBootTime, wsaNameForError, type BridgePace } from '../bridge/index.js';
import { NO_STREAM, TlsSession, tlsClientExchange, tlsServerExchange, protocolBits, type ProgramOutcome, type TlsCredentialOptions } from '../programs/index.js';
import { helpText, hostPort, intOption, listOption, parseCommand, UsageError, type CommandSpec } from './args.js';
import { fmtNs } from './format.js';
import type { CliIo } from './io.js';
import { profileOption } from './run.js';

/** Options both bridge commands take. */
const BRIDGE_OPTIONS: CommandSpec['options'] = {
  pace: { type: 'string', value: 'device|host', description: "'device' (default): each computation takes the modelled device CPU's time; 'host': host speed (test suites, load)" },
  'boot-time': { type: 'string', value: 'ISO', description: "the device's wall clock at boot (default: the host's current time; e.g. 2026-01-01T00:00:00Z)" },
};

/** The TLS options both bridge commands take (mapped onto the Schannel credential). */
const TLS_OPTIONS: CommandSpec['options'] = {
  protocols: { type: 'string', value: 'LIST', description: 'enabled versions, comma-separated: tls1.2, tls1.3 (default both; grbitEnabledProtocols)' },
  ciphers: { type: 'string', value: 'LIST', description: 'cipher suites allowed, in order, comma-separated, IANA or OpenSSL names (palgSupportedAlgs and the suite order policy)' },
  groups: { type: 'string', value: 'LIST', description: 'key-exchange groups, in order, comma-separated: x25519, secp256r1, secp384r1, secp521r1, x448 (the curve order policy)' },
};

/** What `--protocols`, `--ciphers` and `--groups` set on the credential, and the banner's words for it. */
interface TlsChoice {
  credential: Pick<TlsCredentialOptions, 'protocols' | 'supportedAlgs' | 'suiteOrder' | 'curveOrder'>;
  banner: string;
}

/** `--protocols`, `--ciphers`, `--groups`, checked (an unknown name lists the valid ones). */
function tlsChoice(cmd: string, values: Record<string, unknown>, role: 'client' | 'server'): TlsChoice {
  const protocols = values.protocols === undefined ? ['tls1.2', 'tls1.3'] : listOption(values.protocols).map((p) => p.toLowerCase().replace(/^tlsv/, 'tls'));
  for (const p of protocols) {
    if (p !== 'tls1.2' && p !== 'tls1.3') throw new UsageError(`${cmd}: --protocols: unknown protocol ${JSON.stringify(p)} (valid: tls1.2, tls1.3)`);
  }
  if (protocols.length === 0) throw new UsageError(`${cmd}: --protocols: give at least one of tls1.2, tls1.3`);
  const bits = protocolBits(protocols, role);
  const credential: TlsChoice['credential'] = { protocols: bits };
  const words = [`protocols ${[...new Set(protocols)].sort().map((p) => p.replace('tls', 'TLS ')).join(', ')} (grbitEnabledProtocols 0x${bits.toString(16).padStart(8, '0')})`];
  if (values.ciphers !== undefined) {
    const names = listOption(values.ciphers);
    const suites = names.map((n) => {
      const r = resolveSuiteName(n);
      if (r === null) {
        throw new UsageError(`${cmd}: --ciphers: unknown cipher suite ${JSON.stringify(n)}; valid (IANA or OpenSSL name):\n${ALL_SUITES.map((x) => `  ${x.iana}${x.openssl !== x.iana ? ` (${x.openssl})` : ''}`).join('\n')}`);
      }
      return r;
    });
    if (suites.length === 0) throw new UsageError(`${cmd}: --ciphers: give at least one cipher suite`);
    const usable = suites.filter((x) => protocols.includes(x.version));
    if (usable.length === 0) throw new UsageError(`${cmd}: --ciphers: none of these suites belongs to the enabled protocols (${protocols.join(', ')})`);
    credential.suiteOrder = [...new Set(suites.map((x) => x.iana))];
    // palgSupportedAlgs can name the AES ciphers; ChaCha20 has no CryptoAPI ALG_ID, so a list
    // naming it leaves palgSupportedAlgs empty and the suite order policy alone restricts.
    if (!suites.some((x) => x.iana.includes('CHACHA20'))) {
      credential.supportedAlgs = [...new Set(suites.map((x) => (x.iana.includes('AES_128') ? CALG_AES_128 : CALG_AES_256)))];
    }
    words.push(`suites ${credential.suiteOrder.join(', ')}${credential.supportedAlgs ? ` (palgSupportedAlgs ${credential.supportedAlgs.map((a) => (a === CALG_AES_128 ? 'CALG_AES_128' : 'CALG_AES_256')).join(', ')})` : ''}`);
  } else words.push('suites all');
  if (values.groups !== undefined) {
    const groups = listOption(values.groups).map((n) => {
      const g = resolveGroupName(n);
      if (g === null) throw new UsageError(`${cmd}: --groups: unknown group ${JSON.stringify(n)} (valid: ${ALL_GROUPS.join(', ')})`);
      return g;
    });
    if (groups.length === 0) throw new UsageError(`${cmd}: --groups: give at least one group`);
    credential.curveOrder = [...new Set(groups)].map(cngCurveName);
    words.push(`groups ${[...new Set(groups)].join(', ')}`);
  } else words.push('groups default');
  return { credential, banner: words.join('; ') };
}

/** The values of an option that may repeat. */
function many(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

/** `--pace` and `--boot-time`, checked. */
function bridgeClock(cmd: string, values: Record<string, unknown>): { pace: BridgePace; boot: ReturnType<typeof bridgeBootTime> } {
  const pace = values.pace ?? 'device';
  if (pace !== 'device' && pace !== 'host') throw new UsageError(`${cmd}: --pace: expected device or host, got ${JSON.stringify(pace)}`);
  const bt = values['boot-time'];
  if (bt !== undefined && (typeof bt !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(bt) || Number.isNaN(Date.parse(bt)))) {
    throw new UsageError(`${cmd}: --boot-time: expected an ISO 8601 time with a zone (e.g. 2026-01-01T00:00:00Z), got ${JSON.stringify(bt)}`);
  }
  return { pace, boot: bridgeBootTime(bt as string | undefined) };
}

/** The banner's words for pace and clock. */
function clockBanner(b: BridgeDevice, clock: ReturnType<typeof bridgeClock>): string {
  const cpu = b.device.profile.cpu;
  const pace = clock.pace === 'device' ? `pace device (modelled ${cpu.name} ${cpu.mhz} MHz CPU)` : 'pace host (host speed, not the device CPU)';
  return `${pace}, clock booted ${clock.boot.bootTimeUtc} (${clock.boot.source})`;
}

/** The `serve` command. */
export const SERVE_COMMAND: CommandSpec = {
  name: 'serve',
  synopsis: 'cesim serve --listen HOST:PORT --cert FILE --key FILE [options]',
  summary:
    'Runs an emulated device with the Schannel server (AcceptSecurityContext, DecryptMessage, EncryptMessage) behind a real TCP port, in real time. Answers each HTTP/1.0 request, serves connections one after another and at once, and prints its memory report on exit (SIGINT, or after --max-connections).',
  maxPositionals: 0,
  options: {
    listen: { type: 'string', value: 'HOST:PORT', description: 'address to listen on, e.g. 127.0.0.1:8443 (port 0: any free port, printed)' },
    cert: { type: 'string', multiple: true, value: 'FILE', description: 'server certificate chain (PEM); several --cert/--key pairs (e.g. RSA and ECDSA) are picked by the client\'s signature algorithms' },
    key: { type: 'string', multiple: true, value: 'FILE', description: 'private key (PEM) of the --cert at the same position' },
    profile: { type: 'string', value: 'P', description: 'device profile (default ce210-handheld; a built-in name or a JSON file)' },
    'client-auth': { type: 'boolean', description: 'ask for a client certificate (ASC_REQ_MUTUAL_AUTH)' },
    ca: { type: 'string', value: 'FILE', description: 'trust anchors (PEM) for client certificates (with --client-auth: a client certificate from another CA is refused with unknown_ca)' },
    alpn: { type: 'string', value: 'LIST', description: 'ALPN protocols accepted, comma-separated' },
    ...TLS_OPTIONS,
    'max-connections': { type: 'string', value: 'N', description: 'exit after N connections' },
    'response-bytes': { type: 'string', value: 'N', description: 'HTTP response body size (default 1024)' },
    quiet: { type: 'boolean', description: 'no line per connection' },
    ...BRIDGE_OPTIONS,
  },
};

/** The `connect` command. */
export const CONNECT_COMMAND: CommandSpec = {
  name: 'connect',
  synopsis: 'cesim connect HOST:PORT [options]',
  summary:
    'Runs an emulated client device through the bridge to a real TLS server: the InitializeSecurityContext loop, an HTTP/1.0 GET (or standard input with --stdin), the response on standard output and the report on standard error. Exit 0 when the whole exchange succeeded (handshake, request, response), 1 with the status name when not (also for a server that rejects the client after the handshake).',
  maxPositionals: 1,
  options: {
    servername: { type: 'string', value: 'NAME', description: 'pszTargetName: SNI and the name checked (default: HOST)' },
    ca: { type: 'string', value: 'FILE', description: 'trust anchors (PEM) added to the device ROOT store' },
    insecure: { type: 'boolean', description: 'do not validate the server certificate' },
    cert: { type: 'string', value: 'FILE', description: 'client certificate chain (PEM)' },
    key: { type: 'string', value: 'FILE', description: 'client private key (PEM)' },
    alpn: { type: 'string', value: 'LIST', description: 'ALPN protocols offered, comma-separated' },
    ...TLS_OPTIONS,
    profile: { type: 'string', value: 'P', description: 'device profile (default ce210-handheld)' },
    path: { type: 'string', value: 'PATH', description: 'request path (default /)' },
    stdin: { type: 'boolean', description: 'send standard input as the request instead of a GET' },
    timeout: { type: 'string', value: 'MS', description: 'receive timeout in ms (default 10000)' },
    reconnect: { type: 'string', value: 'N', description: 'connect N more times with the same credential handle, resuming from the session cache (each line says "resumed" when SECPKG_ATTR_SESSION_INFO reports a reconnect)' },
    ...BRIDGE_OPTIONS,
  },
};

function readPem(cmd: string, opt: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${cmd}: --${opt}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** "FILE (ECDSA P-256)": a certificate/key pair, loaded once to check it. */
function describeCertificate(cmd: string, p: { certPem: string; keyPem: string; file: string }): string {
  const c = loadCertificateWithKey(p.certPem, p.keyPem);
  if (!c.ok) throw new UsageError(`${cmd}: --cert ${p.file}: ${c.error.kind}: ${c.error.detail}`);
  const k = c.value.pCertInfo.publicKey;
  const what = !k ? 'unknown key' : k.kind === 'rsa' ? `RSA ${k.bits}` : k.kind === 'ec' ? `ECDSA ${k.curve}` : 'Ed25519';
  CertFreeCertificateContext(c.value);
  return `${p.file} (${what})`;
}

function deviceProfile(cmd: string, v: unknown): DeviceProfile {
  return typeof v === 'string' ? profileOption(cmd, v) : getProfile('ce210-handheld');
}

function outcomeLine(o: ProgramOutcome): string {
  const hs = o.handshakeNs ? ` handshake ${fmtNs(o.handshakeNs)} (modelled device CPU ${fmtNs(o.handshakeCpuNs ?? 0)})` : '';
  return `${o.status}${o.protocol ? ` ${o.protocol} ${o.cipherSuite ?? ''}` : ''}${o.resumed ? ' resumed' : ''}${o.alpn ? ` alpn=${o.alpn}` : ''}${hs}${o.firstLine ? ` "${o.firstLine}"` : ''}${o.detail ? ` — ${o.detail}` : ''}`;
}

/** `cesim serve`. Resolves when the server stops (max connections or SIGINT). */
export async function serveCommand(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseCommand(SERVE_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(SERVE_COMMAND));
    return 0;
  }
  if (typeof values.listen !== 'string') throw new UsageError('serve: --listen HOST:PORT is required');
  const listen = hostPort('serve', '--listen', values.listen, true);
  const certFiles = many(values.cert);
  const keyFiles = many(values.key);
  if (certFiles.length === 0 || keyFiles.length === 0) throw new UsageError('serve: --cert FILE and --key FILE are required');
  if (certFiles.length !== keyFiles.length) throw new UsageError(`serve: ${certFiles.length} --cert but ${keyFiles.length} --key: give them in pairs`);
  const pairs = certFiles.map((c, i) => ({ certPem: readPem('serve', 'cert', c)!, keyPem: readPem('serve', 'key', keyFiles[i])!, file: c }));
  const certWords = pairs.map((p) => describeCertificate('serve', p));
  const caPem = readPem('serve', 'ca', values.ca as string | undefined);
  if (caPem !== undefined && values['client-auth'] !== true) throw new UsageError('serve: --ca is for client certificates: use it with --client-auth');
  const max = intOption('serve', 'max-connections', values['max-connections'], 1);
  const responseBytes = intOption('serve', 'response-bytes', values['response-bytes'], 0, 16 * 1024 * 1024) ?? 1024;
  const alpn = listOption(values.alpn);
  const tls = tlsChoice('serve', values, 'server');
  const clock = bridgeClock('serve', values);
  const bridge = new BridgeDevice({ name: 'server', profile: deviceProfile('serve', values.profile), processName: 'httpsd.exe', pace: clock.pace, bootTimeUtc: clock.boot.bootTimeUtc });
  const cred = new TlsSession(bridge, NO_STREAM, 'server');
  const acq = cred.acquireCredentials({
    certPem: pairs[0]!.certPem,
    keyPem: pairs[0]!.keyPem,
    moreCertificates: pairs.slice(1).map((p) => ({ certPem: p.certPem, keyPem: p.keyPem })),
    ...tls.credential,
    ...(caPem ? { rootsPem: [caPem] } : {}),
  });
  if (acq.status !== 0) {
    io.stderr(`cesim serve: AcquireCredentialsHandle: ${acq.statusName}${acq.detail ? ` (${acq.detail})` : ''}\n`);
    return 1;
  }
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let finished = 0;
  const active = new Set<Promise<void>>();
  const server = createServer();
  let stopping = false;
  let stopResolve!: () => void;
  const stopped = new Promise<void>((r) => (stopResolve = r));
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    stopResolve();
  };
  server.on('connection', (sock: Socket) => {
    if (stopping) {
      sock.destroy();
      return;
    }
    accepted++;
    const n = accepted;
    // Read now: once the socket is closed Node no longer knows the peer's address.
    const peer = `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'}`;
    if (max !== undefined && accepted >= max) server.close();
    const p = (async () => {
      const o = await tlsServerExchange(bridge, new RealSocketStream(sock), cred, { mutualAuth: values['client-auth'] === true, alpn, responseBytes, recvTimeoutNs: 10_000_000_000 }, 'cesim serve');
      sock.end();
      bridge.retireFinishedOwners();
      statuses[o.status] = (statuses[o.status] ?? 0) + 1;
      finished++;
      if (!values.quiet) io.stderr(`connection ${n} from ${peer}: ${outcomeLine(o)}\n`);
      if (max !== undefined && finished >= max) stop();
    })();
    active.add(p);
    void p.finally(() => active.delete(p));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`serve: cannot listen on ${values.listen}: ${wsaNameForError(e)} (${e.message})`)));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : listen.port;
  io.stdout(`cesim serve: listening on ${listen.host}:${port} (device ${bridge.device.profile.name}, ${clockBanner(bridge, clock)})\n`);
  io.stdout(`cesim serve: ${tls.banner}; certificates ${certWords.join(', ')}${values['client-auth'] === true ? `; client certificates asked for (ASC_REQ_MUTUAL_AUTH), trusted roots: ${caPem ? String(values.ca) : 'the device ROOT store'}` : ''}\n`);
  const onSigint = (): void => stop();
  process.once('SIGINT', onSigint);
  signal?.addEventListener('abort', stop);
  await stopped;
  process.off('SIGINT', onSigint);
  await Promise.all([...active]);
  cred.dispose();
  const fin = bridge.finish();
  io.stdout(`cesim serve: ${finished} connection(s): ${Object.entries(statuses).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}\n`);
  io.stdout(bridge.memoryReport());
  io.stdout(`  leaks ${fin.leakedBlocks === 0 ? 'none' : `${fin.leakedBlocks} block(s), ${fin.leakedBytes} B`}\n`);
  for (const l of fin.lines.slice(0, 10)) io.stdout(`    ${l}\n`);
  return fin.leakedBlocks > 0 ? 1 : 0;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return new Uint8Array(Buffer.concat(parts));
}

/** `cesim connect`. */
export async function connectCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(CONNECT_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(CONNECT_COMMAND));
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('connect: HOST:PORT is required');
  const target = hostPort('connect', 'HOST:PORT', positionals[0]!);
  const caPem = readPem('connect', 'ca', values.ca as string | undefined);
  const certPem = readPem('connect', 'cert', values.cert as string | undefined);
  const keyPem = readPem('connect', 'key', values.key as string | undefined);
  if ((certPem === undefined) !== (keyPem === undefined)) throw new UsageError('connect: --cert and --key go together');
  const timeoutMs = intOption('connect', 'timeout', values.timeout, 1) ?? 10_000;
  const serverName = typeof values.servername === 'string' ? values.servername : target.host;
  const path = typeof values.path === 'string' ? values.path : '/';
  let request: Uint8Array;
  if (values.stdin) {
    if (!io.stdin) throw new UsageError('connect: --stdin: no standard input');
    request = await readAll(io.stdin);
  } else request = new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: ${serverName}\r\nUser-Agent: cesim-connect\r\n\r\n`);
  const tls = tlsChoice('connect', values, 'client');
  const clock = bridgeClock('connect', values);
  const bridge = new BridgeDevice({ name: 'client', profile: deviceProfile('connect', values.profile), processName: 'connect.exe', pace: clock.pace, bootTimeUtc: clock.boot.bootTimeUtc });
  io.stderr(`cesim connect: device ${bridge.device.profile.name}, ${clockBanner(bridge, clock)}\n`);
  io.stderr(`cesim connect: ${tls.banner}\n`);
  const reconnects = intOption('connect', 'reconnect', values.reconnect, 0, 1000) ?? 0;
  const credential: TlsCredentialOptions = {
    ...tls.credential,
    ...(caPem ? { rootsPem: [caPem] } : {}),
    ...(certPem && keyPem ? { certPem, keyPem } : {}),
    ...(values.insecure ? { manualValidation: true } : {}),
  };
  // With --reconnect the connections share one credential handle: the CE reuse rule for the
  // session cache (same target name, process, logon session and credential handle).
  let holder: TlsSession | null = null;
  if (reconnects > 0) {
    holder = new TlsSession(bridge, NO_STREAM, 'client');
    const acq = holder.acquireCredentials(credential);
    if (acq.status !== 0) {
      io.stderr(`cesim connect: AcquireCredentialsHandle: ${acq.statusName}${acq.detail ? ` (${acq.detail})` : ''}\n`);
      holder.dispose();
      return 1;
    }
  }
  let failed: ProgramOutcome | null = null;
  for (let i = 0; i <= reconnects && failed === null; i++) {
    const sock = netConnect({ host: target.host, port: target.port });
    const connected = await new Promise<string | null>((resolve) => {
      sock.once('connect', () => resolve(null));
      sock.once('error', (e) => resolve(wsaNameForError(e)));
    });
    if (connected !== null) {
      io.stderr(`cesim connect: cannot connect to ${positionals[0]}: ${connected}\n`);
      holder?.dispose();
      return 1;
    }
    const { outcome, response } = await tlsClientExchange(
      bridge,
      new RealSocketStream(sock),
      { targetName: serverName, alpn: listOption(values.alpn), request, credential, recvTimeoutNs: timeoutMs * 1e6, ...(holder ? { sharedCredential: holder } : {}) },
      'cesim connect',
    );
    sock.end();
    sock.destroySoon?.();
    io.stdout(new TextDecoder().decode(response));
    io.stderr(`cesim connect: ${reconnects > 0 ? `connection ${i + 1}: ` : ''}${outcomeLine(outcome)}\n`);
    // The exit code is the whole exchange's: a server may reject the client after the handshake
    // (TLS 1.3 sends certificate_required/unknown_ca after the client's Finished, which the first
    // DecryptMessage reports with the status Schannel gives for that alert).
    if (!outcome.ok) failed = outcome;
  }
  holder?.dispose();
  const fin = bridge.finish();
  io.stderr(bridge.memoryReport());
  io.stderr(`  leaks ${fin.leakedBlocks === 0 ? 'none' : `${fin.leakedBlocks} block(s), ${fin.leakedBytes} B`}\n`);
  if (failed !== null) {
    io.stderr(`cesim connect: ${failed.protocol === undefined ? 'handshake' : 'exchange'} failed: ${failed.status}\n`);
    return 1;
  }
  return 0;
}
