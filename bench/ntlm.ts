/**
 * NTLM benchmark: one three-leg exchange between two processes of a CE 2.10 handheld through
 * Security.dll, at each LmCompatibilityLevelClient: token sizes, the NTLM-tagged bytes held per
 * leg (current after the leg) and at peak, and the modelled CPU time of the exchange on the
 * profile's 131 MHz VR4121 (the device CPU model, not wall time), beside the wall time per
 * exchange of this JavaScript.
 *
 * Run alone: `npx tsx bench/ntlm.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Device, getProfile, LPTR, type Process } from '../device/index.js';
import {
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_INTEGRITY,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SEC_E_OK,
  SEC_WINNT_AUTH_IDENTITY,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
  SecBuffer,
  SecBufferDesc,
  TimeStamp,
} from '../sspi/index.js';
import { addNtlmAccount, registerNtlm, setNtlmLevel } from '../ntlm/index.js';

/** One benchmark figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

registerNtlm();

function ntlmBytes(d: Device): { current: number; peak: number } {
  let current = 0;
  let peak = 0;
  for (const o of d.stats().owners) {
    if (!o.tag.startsWith('NTLM.')) continue;
    current += o.currentBytes;
    peak += o.peakBytes;
  }
  return { current, peak };
}

/** One exchange; returns sizes, bytes per leg and modelled ns. */
export function ntlmExchange(level: number, seed = 1): { sizes: number[]; heldAfterLeg: number[]; peak: number; cpuNs: number; ok: boolean } {
  const d = new Device(getProfile('ce210-handheld'), { seed });
  addNtlmAccount(d, 'alice', { password: 'Secret1' });
  setNtlmLevel(d, 'client', level);
  const c = d.createProcess('client.exe');
  const s = d.createProcess('server.exe');
  const C = InitSecurityInterface(c);
  const S = InitSecurityInterface(s);
  const cc = new CredHandle();
  const sc = new CredHandle();
  const id = new SEC_WINNT_AUTH_IDENTITY({ User: 'alice', UserLength: 5, Domain: 'CESIM', DomainLength: 5, Password: 'Secret1', PasswordLength: 7, Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE });
  C.AcquireCredentialsHandle(null, 'NTLM', SECPKG_CRED_OUTBOUND, null, id, null, null, cc, new TimeStamp());
  S.AcquireCredentialsHandle(null, 'NTLM', SECPKG_CRED_INBOUND, null, null, null, null, sc, new TimeStamp());
  const cycles0 = d.cpu.report().totalCycles;
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const buf = (p: Process, data: Uint8Array | null) => {
    const a = p.LocalAlloc(LPTR, 1904);
    if (data) p.write(a, data);
    return new SecBufferDesc([new SecBuffer(data ? data.length : 1904, SECBUFFER_TOKEN, a)]);
  };
  const take = (p: Process, o: SecBufferDesc) => p.read(o.pBuffers[0]!.pvBuffer, o.pBuffers[0]!.cbBuffer);
  const req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY;
  const a = { value: 0 };
  const sizes: number[] = [];
  const held: number[] = [];
  let o = buf(c, null);
  C.InitializeSecurityContext(cc, null, 'HTTP/server', req, 0, 0, null, 0, cx, o, a, new TimeStamp());
  let t = take(c, o);
  sizes.push(t.length);
  held.push(ntlmBytes(d).current);
  o = buf(s, null);
  S.AcceptSecurityContext(sc, null, buf(s, t), 0x10 | 0x20000, 0, sx, o, a, new TimeStamp());
  t = take(s, o);
  sizes.push(t.length);
  held.push(ntlmBytes(d).current);
  o = buf(c, null);
  C.InitializeSecurityContext(cc, cx, 'HTTP/server', req, 0, 0, buf(c, t), 0, cx, o, a, new TimeStamp());
  t = take(c, o);
  sizes.push(t.length);
  held.push(ntlmBytes(d).current);
  const st = S.AcceptSecurityContext(sc, sx, buf(s, t), 0x10 | 0x20000, 0, sx, buf(s, null), a, new TimeStamp());
  held.push(ntlmBytes(d).current);
  const cpuNs = ((d.cpu.report().totalCycles - cycles0) * 1000) / d.cpu.profile.mhz;
  return { sizes, heldAfterLeg: held, peak: ntlmBytes(d).peak, cpuNs, ok: st === SEC_E_OK };
}

/** The figures. */
export async function benchNtlm(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [level, label] of [[1, 'level 1 (NTLMv1+ESS)'], [3, 'level 3 (NTLMv2+MIC)']] as const) {
    const r = ntlmExchange(level);
    if (!r.ok) throw new Error('bench exchange failed');
    out.push({ name: `NTLM ${label}: NEGOTIATE / CHALLENGE / AUTHENTICATE`, value: r.sizes[0]!, unit: `/ ${r.sizes[1]} / ${r.sizes[2]} bytes` });
    out.push({ name: `NTLM ${label}: NTLM-tagged bytes after legs 1-4`, value: r.heldAfterLeg[0]!, unit: `/ ${r.heldAfterLeg.slice(1).join(' / ')} bytes` });
    out.push({ name: `NTLM ${label}: peak NTLM-tagged bytes (sum of owner peaks)`, value: r.peak, unit: 'bytes' });
    out.push({ name: `NTLM ${label}: modelled CPU, whole exchange @131 MHz`, value: r.cpuNs / 1e6, unit: 'ms' });
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) ntlmExchange(level, i + 2);
    out.push({ name: `NTLM ${label}: wall time per exchange (JS, incl. device setup)`, value: (performance.now() - t0) / n, unit: 'ms' });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await benchNtlm()) console.log(`${f.name.padEnd(64)} ${f.value.toFixed(2)} ${f.unit}`);
}
