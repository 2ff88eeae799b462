/**
 * The three-leg exchange of InitializeSecurityContext-CE210.txt across two devices on the
 * emulated network, with ISC_REQ_ALLOCATE_MEMORY/ASC_REQ_ALLOCATE_MEMORY: each device's token
 * pool peak and final bytes, and nothing held afterwards.
 */
import { describe, it, expect } from 'vitest';
import { Simulation } from '../../emulator/index.js';
import {
  AddSecurityPackage,
  InitSecurityInterface,
  CredHandle,
  CtxtHandle,
  SecBuffer,
  SecBufferDesc,
  TimeStamp,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_MUTUAL_AUTH,
  ASC_REQ_ALLOCATE_MEMORY,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  statusName,
  type Process,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import type { StreamSocket } from '../../emulator/index.js';
import { THREE_LEG, THREE_LEG_DLL } from './packages/three-leg.js';

/** Sends one token with a 2-byte length prefix. */
async function sendToken(s: StreamSocket, token: Uint8Array): Promise<void> {
  const framed = new Uint8Array(2 + token.length);
  framed[0] = token.length >> 8;
  framed[1] = token.length & 0xff;
  framed.set(token, 2);
  await s.send(framed);
}

/** Receives one length-prefixed token. */
async function recvToken(s: StreamSocket, pending: { buf: Uint8Array }): Promise<Uint8Array> {
  for (;;) {
    if (pending.buf.length >= 2) {
      const n = (pending.buf[0]! << 8) | pending.buf[1]!;
      if (pending.buf.length >= 2 + n) {
        const t = pending.buf.slice(2, 2 + n);
        pending.buf = pending.buf.slice(2 + n);
        return t;
      }
    }
    const r = await s.recv();
    if (r.result <= 0) throw new Error(`recv: ${r.error}`);
    const b = new Uint8Array(pending.buf.length + r.data.length);
    b.set(pending.buf);
    b.set(r.data, pending.buf.length);
    pending.buf = b;
  }
}

/** One ISC/ASC output token, read from device memory and released with FreeContextBuffer. */
function take(p: Process, t: SecurityFunctionTableW, out: SecBufferDesc): Uint8Array {
  const b = out.pBuffers[0]!;
  const bytes = b.cbBuffer ? p.read(b.pvBuffer, b.cbBuffer) : new Uint8Array(0);
  if (b.pvBuffer) t.FreeContextBuffer(b.pvBuffer);
  return bytes;
}

function input(p: Process, bytes: Uint8Array): { desc: SecBufferDesc; free: () => void } {
  const a = p.LocalAlloc(0x40, Math.max(1, bytes.length));
  p.write(a, bytes);
  return { desc: new SecBufferDesc([new SecBuffer(bytes.length, SECBUFFER_TOKEN, a)]), free: () => void p.LocalFree(a) };
}

describe('three-leg exchange across two devices on the loop', () => {
  it('client ISC → server ASC → client ISC → server ASC over the emulated network, token pools asserted', async () => {
    const sim = new Simulation({ seed: 3, timeLimitNs: 60e9 });
    const srvDev = sim.addDevice('server', 'ce210-handheld', { address: '10.0.0.1' });
    const cliDev = sim.addDevice('client', 'ce210-handheld', { address: '10.0.0.2' });
    for (const d of [srvDev, cliDev]) AddSecurityPackage(d.device, THREE_LEG_DLL);
    sim.link(cliDev, srvDev, { latencyNs: 10e6, loss: 0.05, reorder: 0.1 });
    const server: string[] = [];
    const client: string[] = [];

    srvDev.spawn('server.exe', async (ctx) => {
      const t = InitSecurityInterface(ctx.process);
      const cred = new CredHandle();
      expect(t.AcquireCredentialsHandle(null, THREE_LEG, SECPKG_CRED_INBOUND, null, { users: ['alice'] }, null, null, cred, new TimeStamp())).toBe(SEC_E_OK);
      const l = ctx.listen(5000);
      const s = (await l.accept())!;
      const pending = { buf: new Uint8Array(0) };
      const sctx = new CtxtHandle();
      let first = true;
      for (let leg = 0; leg < 2; leg++) {
        const inTok = input(ctx.process, await recvToken(s, pending));
        const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
        const st = t.AcceptSecurityContext(cred, first ? null : sctx, inTok.desc, ASC_REQ_ALLOCATE_MEMORY, 0, sctx, out, { value: 0 }, null);
        first = false;
        inTok.free();
        server.push(statusName(st));
        const tok = take(ctx.process, t, out);
        if (tok.length) await sendToken(s, tok);
        if (st !== SEC_I_CONTINUE_NEEDED) break;
      }
      t.DeleteSecurityContext(sctx);
      t.FreeCredentialsHandle(cred);
      s.close();
      l.close();
    });

    cliDev.spawn('client.exe', async (ctx) => {
      const t = InitSecurityInterface(ctx.process);
      const cred = new CredHandle();
      expect(t.AcquireCredentialsHandle('alice', THREE_LEG, SECPKG_CRED_OUTBOUND, null, null, null, null, cred, new TimeStamp())).toBe(SEC_E_OK);
      const s = await ctx.connect('10.0.0.1', 5000);
      const pending = { buf: new Uint8Array(0) };
      const cctx = new CtxtHandle();
      let out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
      let st = t.InitializeSecurityContext(cred, null, 'server', ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH, 0, 0, null, 0, cctx, out, { value: 0 }, null);
      client.push(statusName(st));
      await sendToken(s, take(ctx.process, t, out));
      const inTok = input(ctx.process, await recvToken(s, pending));
      out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
      st = t.InitializeSecurityContext(null, cctx, 'server', ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH, 0, 0, inTok.desc, 0, cctx, out, { value: 0 }, null);
      inTok.free();
      client.push(statusName(st));
      await sendToken(s, take(ctx.process, t, out));
      t.DeleteSecurityContext(cctx);
      t.FreeCredentialsHandle(cred);
      await ctx.sleep(100e6);
      s.close();
    });

    const r = await sim.run();
    expect(r.reason).toBe('idle');
    expect(client).toEqual(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']);
    expect(server).toEqual(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']);
    const token = (d: typeof srvDev) => d.device.stats().pools.find((p) => p.name === 'token')!;
    // The client's largest token is HELLO (19 bytes); the server's is CHALLENGE (13 bytes).
    expect([token(cliDev).peakBytesRequested, token(cliDev).currentBytesRequested]).toEqual([19, 0]);
    expect([token(srvDev).peakBytesRequested, token(srvDev).currentBytesRequested]).toEqual([13, 0]);
    for (const d of [cliDev, srvDev]) expect(d.device.leakReport().filter((l) => l.pool !== 'heap')).toEqual([]);
  });
});
