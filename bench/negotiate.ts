/**
 * Negotiate benchmark: one SPNEGO exchange over NTLM between two processes of a CE 2.10 handheld
 * through Security.dll, at NTLM level 1 (no mechListMIC) and 3 (NTLMv2, mechListMIC both ways):
 * token sizes, the Negotiate-tagged and NTLM-tagged bytes at peak, and the modelled CPU time of
 * the exchange on the profile's 131 MHz VR4121 (the device CPU model, not wall time).
 *
 * Run alone: `npx tsx bench/negotiate.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Device, getProfile, LPTR, type Process } from '../device/index.js';
import {
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  ISC_REQ_CONFIDENTIALITY,
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
import { addNtlmAccount, setNtlmLevel } from '../ntlm/index.js';
import '../negotiate/index.js';
import type { BenchResult } from './ntlm.js';

function tagged(d: Device, prefix: string): number {
  return d.stats().owners.filter((o) => o.tag.startsWith(prefix)).reduce((n, o) => n + o.peakBytes, 0);
}

/** One exchange: the five legs' token sizes, peaks per tag prefix and modelled ns. */
export function negotiateExchange(level: number, seed = 1): { sizes: number[]; negotiatePeak: number; ntlmPeak: number; tokenPeak: number; cpuNs: number; ok: boolean } {
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
  C.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_OUTBOUND, null, id, null, null, cc, new TimeStamp());
  S.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_INBOUND, null, null, null, null, sc, new TimeStamp());
  const cycles0 = d.cpu.report().totalCycles;
  const cx = new CtxtHandle();
  const sx = new CtxtHandle();
  const buf = (p: Process, data: Uint8Array | null): SecBufferDesc => {
    const a = p.LocalAlloc(LPTR, 4096);
    if (data) p.write(a, data);
    return new SecBufferDesc([new SecBuffer(data ? data.length : 4096, SECBUFFER_TOKEN, a)]);
  };
  const take = (p: Process, o: SecBufferDesc): Uint8Array => p.read(o.pBuffers[0]!.pvBuffer, o.pBuffers[0]!.cbBuffer);
  const a = { value: 0 };
  const sizes: number[] = [];
  let t: Uint8Array | null = null;
  let st = 0;
  for (let leg = 0; leg < 5; leg++) {
    const client = leg % 2 === 0;
    const p = client ? c : s;
    const o = buf(p, null);
    st = client
      ? C.InitializeSecurityContext(cc, leg === 0 ? null : cx, 'HTTP/server', ISC_REQ_CONFIDENTIALITY, 0, 0, t ? buf(p, t) : null, 0, cx, o, a, new TimeStamp())
      : S.AcceptSecurityContext(sc, leg === 1 ? null : sx, buf(p, t), 0, 0, sx, o, a, new TimeStamp());
    t = take(p, o);
    if (t.length) sizes.push(t.length);
  }
  const cpuNs = ((d.cpu.report().totalCycles - cycles0) * 1000) / d.cpu.profile.mhz;
  return { sizes, negotiatePeak: tagged(d, 'Negotiate.'), ntlmPeak: tagged(d, 'NTLM.'), tokenPeak: tagged(d, 'sspi.'), cpuNs, ok: st === SEC_E_OK };
}

/** The figures. */
export async function benchNegotiate(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [level, label] of [[1, 'NTLM level 1'], [3, 'NTLM level 3 + mechListMIC']] as const) {
    const r = negotiateExchange(level);
    if (!r.ok) throw new Error('bench exchange failed');
    out.push({ name: `Negotiate ${label}: the four tokens`, value: r.sizes[0]!, unit: `/ ${r.sizes.slice(1).join(' / ')} bytes` });
    out.push({ name: `Negotiate ${label}: peak Negotiate-tagged bytes (sum of owner peaks)`, value: r.negotiatePeak, unit: 'bytes' });
    out.push({ name: `Negotiate ${label}: peak NTLM-tagged bytes (sum of owner peaks)`, value: r.ntlmPeak, unit: 'bytes' });
    out.push({ name: `Negotiate ${label}: peak Security.dll-tagged bytes (handles, tokens)`, value: r.tokenPeak, unit: 'bytes' });
    out.push({ name: `Negotiate ${label}: modelled CPU, whole exchange @131 MHz`, value: r.cpuNs / 1e6, unit: 'ms' });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await benchNegotiate()) console.log(`${f.name.padEnd(72)} ${f.value.toFixed(2)} ${f.unit}`);
}
