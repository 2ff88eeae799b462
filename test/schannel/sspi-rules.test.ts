/**
 * Schannel's SSPI buffer rules, sspi-behaviour.md §2.5–2.10 (checks 32–79), with the check number
 * in each test's name.
 */
import { describe, it, expect } from 'vitest';
import { makeDevice, certWithKey, Endpoint, handshake, ISC_FLAGS } from './harness.js';
import {
  SecBuffer,
  SecBufferDesc,
  SecHandle,
  TimeStamp,
  SECBUFFER_TOKEN,
  SECBUFFER_EMPTY,
  SECBUFFER_ALERT,
  SECBUFFER_MISSING,
  SECBUFFER_EXTRA,
  SECBUFFER_DATA,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_APPLICATION_PROTOCOLS,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_STREAM,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_REQ_USE_SUPPLIED_CREDS,
  SCH_CRED_NO_DEFAULT_CREDS,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCHANNEL_SHUTDOWN,
  SCHANNEL_ALERT,
  SCHANNEL_RENEGOTIATE,
  TLS1_ALERT_FATAL,
  TLS1_ALERT_BAD_CERTIFICATE,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SECPKG_ATTR_ENDPOINT_BINDINGS,
  SECPKG_ATTR_UNIQUE_BINDINGS,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_KEY_INFO,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SecPkgContext_Bindings,
  SecPkgContext_ConnectionInfo,
  SecPkgContext_CipherInfo,
  SecPkgContext_KeyInfo,
  SecPkgContext_StreamSizes,
  SecPkgContext_NegotiationInfo,
  SecPkgContext_ApplicationProtocol,
  SP_PROT_TLS1_3_CLIENT,
  CALG_ECDSA,
  statusName,
  readWideString,
} from '../../sspi/index.js';
import { encodeAlpnBuffer, CertFreeCertificateContext, type CertContext } from '../../schannel/index.js';
import { sha256 } from '@noble/hashes/sha2.js';

const FLAGS_28 = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM; // 0x8010, the reference's common setup

function pair(seed = 11, serverCert = 'server-p256') {
  const device = makeDevice(seed);
  const client = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
  const server = new Endpoint(device.createProcess('server.exe'), 'server');
  expect(client.acquire({ dwFlags: SCH_CRED_NO_DEFAULT_CREDS })).toBe(0);
  expect(server.acquire({ cCreds: 1, paCred: [certWithKey(serverCert)] })).toBe(0);
  return { device, client, server };
}

/** A raw ISC call with caller-made descriptors. */
function isc(e: Endpoint, ctx: SecHandle | null, flags: number, input: SecBufferDesc | null, output: SecBufferDesc | null, newCtx = new SecHandle()) {
  const attrs = { value: 0xdeadbeef };
  const ts = new TimeStamp();
  const s = e.sspi.InitializeSecurityContext(ctx ? null : e.cred, ctx, 'localhost', flags, 0, 0, input, 0, newCtx, output, attrs, ts);
  return { s, name: statusName(s), attrs: attrs.value, ts, newCtx };
}

function tokenOut(e: Endpoint, size: number): SecBufferDesc {
  const addr = size ? e.process.LocalAlloc(0x40, size) : 0;
  return new SecBufferDesc([new SecBuffer(size, SECBUFFER_TOKEN, addr)]);
}

describe('InitializeSecurityContext output rules (§2.5)', () => {
  it('check 32: a zero-length TOKEN (or ALERT) output without ALLOCATE_MEMORY → SEC_E_INSUFFICIENT_MEMORY, attrs 0x1C', () => {
    const { client } = pair();
    const ctx = new SecHandle(7, 7);
    const r = isc(client, null, FLAGS_28, null, tokenOut(client, 0), ctx);
    expect(r.name).toBe('SEC_E_INSUFFICIENT_MEMORY');
    expect(r.attrs).toBe(0x1c);
    expect([ctx.dwLower, ctx.dwUpper]).toEqual([7, 7]);
    const alertOut = new SecBufferDesc([new SecBuffer(4096, SECBUFFER_TOKEN, client.process.LocalAlloc(0, 4096)), new SecBuffer(0, SECBUFFER_ALERT, 0)]);
    expect(isc(client, null, FLAGS_28, null, alertOut).name).toBe('SEC_E_INSUFFICIENT_MEMORY');
  });
  it('check 33: with ALLOCATE_MEMORY the provider allocates, replacing a non-NULL caller pointer', () => {
    const { client, device } = pair();
    const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0xdeadbeef)]);
    const r = isc(client, null, FLAGS_28 | ISC_REQ_ALLOCATE_MEMORY, null, out);
    expect(r.name).toBe('SEC_I_CONTINUE_NEEDED');
    const b = out.pBuffers[0]!;
    expect(b.pvBuffer).not.toBe(0xdeadbeef);
    expect(b.cbBuffer).toBeGreaterThan(40);
    expect(device.blockOf(b.pvBuffer)?.pool).toBe('token');
    expect(client.process.read(b.pvBuffer, 1)[0]).toBe(0x16); // a handshake record
    expect(client.sspi.FreeContextBuffer(b.pvBuffer)).toBe(0);
  });
  it('check 34: a caller 8192-byte TOKEN is written in place; an ALERT buffer comes back with cbBuffer 0', () => {
    const { client } = pair();
    const tok = client.process.LocalAlloc(0, 8192);
    const al = client.process.LocalAlloc(0, 64);
    const out = new SecBufferDesc([new SecBuffer(8192, SECBUFFER_TOKEN, tok), new SecBuffer(64, SECBUFFER_ALERT, al)]);
    const r = isc(client, null, FLAGS_28, null, out);
    expect(r.name).toBe('SEC_I_CONTINUE_NEEDED');
    expect(out.pBuffers[0]!.pvBuffer).toBe(tok);
    expect(out.pBuffers[0]!.cbBuffer).toBeLessThan(8192);
    expect(out.pBuffers[1]!.cbBuffer).toBe(0);
  });
  it('check 35: pOutput NULL → SEC_E_INVALID_TOKEN', () => {
    const { client } = pair();
    expect(isc(client, null, FLAGS_28, null, null).name).toBe('SEC_E_INVALID_TOKEN');
  });
  it('check 36: a first call with an EMPTY input buffer or an ALPN buffer is accepted', () => {
    const { client } = pair();
    expect(isc(client, null, FLAGS_28, new SecBufferDesc([new SecBuffer(0, SECBUFFER_EMPTY, 0)]), tokenOut(client, 8192)).name).toBe('SEC_I_CONTINUE_NEEDED');
    const alpn = encodeAlpnBuffer(['http/1.1', 'h2']);
    const a = client.alloc(alpn);
    expect(isc(client, null, FLAGS_28, new SecBufferDesc([new SecBuffer(alpn.length, SECBUFFER_APPLICATION_PROTOCOLS, a)]), tokenOut(client, 8192)).name).toBe('SEC_I_CONTINUE_NEEDED');
  });
  it('check 37: the first call writes ptsExpiry as 0/0', () => {
    const { client } = pair();
    const r = isc(client, null, FLAGS_28, null, tokenOut(client, 8192));
    expect([r.ts.LowPart, r.ts.HighPart]).toEqual([0, 0]);
  });
});

describe('client handshake loop (§2.6)', () => {
  function started() {
    const p = pair();
    const ctx = new SecHandle();
    const r = isc(p.client, null, FLAGS_28, null, tokenOut(p.client, 8192), ctx);
    expect(r.name).toBe('SEC_I_CONTINUE_NEEDED');
    return { ...p, ctx };
  }
  it('checks 38–39: 8192 bytes of 0xFA or of zeros → SEC_E_INVALID_TOKEN, output cbBuffer 0', () => {
    for (const fill of [0xfa, 0]) {
      const { client, ctx } = started();
      const input = new SecBufferDesc([new SecBuffer(8192, SECBUFFER_TOKEN, client.alloc(new Uint8Array(8192).fill(fill))), new SecBuffer(0, SECBUFFER_EMPTY, 0)]);
      const out = tokenOut(client, 1);
      expect(isc(client, ctx, FLAGS_28, input, out).name).toBe('SEC_E_INVALID_TOKEN');
      expect(out.pBuffers[0]!.cbBuffer).toBe(0);
    }
  });
  it('check 41: pInput NULL before any server data → SEC_E_INCOMPLETE_MESSAGE; output and ctx2 untouched', () => {
    const { client, ctx } = started();
    const out = tokenOut(client, 8192);
    const ctx2 = new SecHandle(5, 5);
    expect(isc(client, ctx, FLAGS_28, null, out, ctx2).name).toBe('SEC_E_INCOMPLETE_MESSAGE');
    expect([out.pBuffers[0]!.cbBuffer, out.pBuffers[0]!.BufferType]).toEqual([8192, SECBUFFER_TOKEN]);
    expect([ctx2.dwLower, ctx2.dwUpper]).toEqual([5, 5]);
  });
  it('checks 42–45: partial server data → INCOMPLETE_MESSAGE with SECBUFFER_MISSING; the whole flight → CONTINUE or OK, *phNewContext == *phContext', () => {
    const { client, server } = pair();
    const c = client.step();
    server.receive(c.token);
    const s = server.step();
    expect(statusName(s.status)).toBe('SEC_I_CONTINUE_NEEDED');
    const flight = s.token;
    const ctx = client.ctx;
    const feed = (bytes: Uint8Array) => {
      const input = new SecBufferDesc([new SecBuffer(bytes.length, SECBUFFER_TOKEN, bytes.length ? client.alloc(bytes) : 0), new SecBuffer(0, SECBUFFER_EMPTY, 0)]);
      const ctx2 = new SecHandle(9, 9);
      const r = isc(client, ctx, ISC_FLAGS, input, new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]), ctx2);
      return { ...r, input, ctx2 };
    };
    const r0 = feed(new Uint8Array(0));
    expect(r0.name).toBe('SEC_E_INCOMPLETE_MESSAGE');
    expect([r0.input.pBuffers[1]!.BufferType, r0.input.pBuffers[1]!.cbBuffer]).toEqual([SECBUFFER_MISSING, 5]);
    const r4 = feed(flight.subarray(0, 4));
    expect([r4.name, r4.input.pBuffers[1]!.BufferType, r4.input.pBuffers[1]!.cbBuffer]).toEqual(['SEC_E_INCOMPLETE_MESSAGE', SECBUFFER_MISSING, 1]);
    const r5 = feed(flight.subarray(0, 5));
    const bodyLen = (flight[3]! << 8) | flight[4]!;
    expect([r5.name, r5.input.pBuffers[1]!.cbBuffer]).toEqual(['SEC_E_INCOMPLETE_MESSAGE', bodyLen]);
    expect([r5.ctx2.dwLower, r5.ctx2.dwUpper]).toEqual([9, 9]);
    const all = feed(flight);
    expect(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']).toContain(all.name);
    expect([all.ctx2.dwLower, all.ctx2.dwUpper]).toEqual([ctx.dwLower, ctx.dwUpper]);
  });
  it('check 46: an EMPTY input buffer with cbBuffer 0xdeadbeef → SEC_E_INVALID_TOKEN', () => {
    const { client, ctx } = started();
    const bytes = new Uint8Array([0x16, 3, 3, 0, 1, 2]);
    const input = new SecBufferDesc([new SecBuffer(bytes.length, SECBUFFER_TOKEN, client.alloc(bytes)), new SecBuffer(0xdeadbeef, SECBUFFER_EMPTY, 0)]);
    expect(isc(client, ctx, FLAGS_28, input, tokenOut(client, 8192)).name).toBe('SEC_E_INVALID_TOKEN');
  });
  it('check 47: final leg → SEC_E_OK with pfContextAttr 0x809C when USE_SUPPLIED_CREDS was passed', () => {
    const { client, server } = pair();
    client.flags = ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_USE_SUPPLIED_CREDS;
    const r = handshake(client, server);
    expect(statusName(r.client)).toBe('SEC_E_OK');
    expect(client.attrs.value).toBe(0x809c | 0x100);
  });
  it('curl\'s mask 0x811C is echoed exactly (sspi-behaviour.md §4)', () => {
    const { client, server } = pair();
    client.flags = 0x811c;
    handshake(client, server);
    expect(client.attrs.value).toBe(0x811c);
  });
  it('check 48: bytes after the server flight come back as SECBUFFER_EXTRA (the tail of the input)', () => {
    const { client, server } = pair();
    const c = client.step();
    server.receive(c.token);
    const s = server.step();
    const junk = new Uint8Array([0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb]);
    const bytes = new Uint8Array([...s.token, ...junk]);
    const input = new SecBufferDesc([new SecBuffer(bytes.length, SECBUFFER_TOKEN, client.alloc(bytes)), new SecBuffer(0, SECBUFFER_EMPTY, 0)]);
    const r = isc(client, client.ctx, ISC_FLAGS, input, new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]));
    expect(r.name).toBe('SEC_E_OK');
    expect([input.pBuffers[1]!.BufferType, input.pBuffers[1]!.cbBuffer]).toEqual([SECBUFFER_EXTRA, junk.length]);
  });
});

describe('QueryContextAttributes after the handshake (§2.7)', () => {
  function established(cert = 'server-p256', alpn?: { c: string[]; s: string[] }) {
    const p = pair(13, cert);
    const r = handshake(p.client, p.server, alpn ? { alpnClient: alpn.c, alpnServer: alpn.s } : {});
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    return p;
  }
  it('check 51: REMOTE_CERT_CONTEXT → a context whose store holds the whole peer chain, leaf included', () => {
    const { client } = established();
    const out: { value: CertContext | null } = { value: null };
    expect(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out)).toBe(0);
    const c = out.value!;
    expect(c.pCertInfo.extensions.subjectAltName?.dns).toContain('localhost');
    expect(c.hCertStore!.certificates().length).toBeGreaterThanOrEqual(2);
    expect(c.hCertStore!.certificates()).toContain(c);
    // It lives in the caller's memory until the last CertFreeCertificateContext.
    const held = () => client.process.device.leakReport().filter((l) => l.owner.tag === 'crypt32.remoteCertContext' && l.owner.pid === client.process.pid);
    expect(held()).toHaveLength(1);
    expect(CertFreeCertificateContext(c)).toBe(true);
    expect(held()).toEqual([]);
  });
  it('check 52: ENDPOINT_BINDINGS → one FreeContextBuffer block: 32-byte header + "tls-server-end-point:" + SHA-256(cert) = 85 bytes', () => {
    const { client } = established();
    const b = new SecPkgContext_Bindings();
    expect(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_ENDPOINT_BINDINGS, b)).toBe(0);
    expect(b.BindingsLength).toBe(85);
    const block = client.process.read(b.Bindings, b.BindingsLength);
    const dv = new DataView(block.buffer);
    expect(dv.getUint32(24, true)).toBe(53);
    expect(dv.getUint32(28, true)).toBe(32);
    expect(new TextDecoder().decode(block.subarray(32, 53))).toBe('tls-server-end-point:');
    const out: { value: CertContext | null } = { value: null };
    client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out);
    expect(block.subarray(53)).toEqual(sha256(out.value!.pbCertEncoded));
    expect(client.sspi.FreeContextBuffer(b.Bindings)).toBe(0);
  });
  it('check 53: UNIQUE_BINDINGS (tls-unique) does not exist for TLS 1.3 (RFC 9266 §1) → SEC_E_UNSUPPORTED_FUNCTION', () => {
    const { client } = established();
    expect(statusName(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_UNIQUE_BINDINGS, new SecPkgContext_Bindings()))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
  });
  it('check 54: CONNECTION_INFO → TLS 1.3, strength ≥ 128, dwHashStrength 0 for an AEAD suite', () => {
    const { client } = established();
    const ci = new SecPkgContext_ConnectionInfo();
    expect(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_CONNECTION_INFO, ci)).toBe(0);
    expect(ci.dwProtocol).toBe(SP_PROT_TLS1_3_CLIENT);
    expect(ci.dwCipherStrength).toBeGreaterThanOrEqual(128);
    expect(ci.dwHashStrength).toBe(0);
  });
  it('check 55: CIPHER_INFO (dwVersion 1) → 0x304, the suite number and name', () => {
    const { client } = established();
    const ci = new SecPkgContext_CipherInfo();
    expect(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_CIPHER_INFO, ci)).toBe(0);
    expect(ci.dwProtocol).toBe(0x304);
    expect([0x1301, 0x1302, 0x1303]).toContain(ci.dwCipherSuite);
    expect(ci.szCipherSuite).toMatch(/^TLS_/);
    expect(ci.szCertificate).toBe('ECDSA');
  });
  it('check 56: KEY_INFO → the certificate\'s signature algorithm and KeySize ≥ 128', () => {
    const { client } = established();
    const k = new SecPkgContext_KeyInfo();
    expect(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_KEY_INFO, k)).toBe(0);
    expect(k.SignatureAlgorithm).toBe(CALG_ECDSA);
    expect(k.KeySize).toBeGreaterThanOrEqual(128);
    // Check 11: both names are FreeContextBuffer blocks (UTF-16, NUL-terminated).
    expect(readWideString(client.process, k.sSignatureAlgorithmName)).toBe('ECDSA');
    expect(readWideString(client.process, k.sEncryptAlgorithmName)).toBe('AES');
    expect(client.sspi.FreeContextBuffer(k.sSignatureAlgorithmName)).toBe(0);
    expect(client.sspi.FreeContextBuffer(k.sEncryptAlgorithmName)).toBe(0);
  });
  it('check 57: STREAM_SIZES → header 5, trailer = type byte + tag, 16384 max, 4 buffers', () => {
    const { client } = established();
    const z = new SecPkgContext_StreamSizes();
    expect(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_STREAM_SIZES, z)).toBe(0);
    expect([z.cbHeader, z.cbMaximumMessage, z.cBuffers]).toEqual([5, 16384, 4]);
    expect(z.cbTrailer).toBeGreaterThanOrEqual(17);
  });
  it('check 58: NEGOTIATION_INFO on Schannel → SEC_E_UNSUPPORTED_FUNCTION', () => {
    const { client } = established();
    expect(statusName(client.sspi.QueryContextAttributes(client.ctx, SECPKG_ATTR_NEGOTIATION_INFO, new SecPkgContext_NegotiationInfo()))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
  });
  it('check 59: APPLICATION_PROTOCOL after offering http/1.1,h2 → Success, ALPN, "http/1.1"', () => {
    const { client, server } = established('server-p256', { c: ['http/1.1', 'h2'], s: ['http/1.1'] });
    for (const e of [client, server]) {
      const a = new SecPkgContext_ApplicationProtocol();
      expect(e.sspi.QueryContextAttributes(e.ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, a)).toBe(0);
      expect([a.ProtoNegoStatus, a.ProtoNegoExt, a.ProtocolIdSize]).toEqual([1, 2, 8]);
      expect(new TextDecoder().decode(a.ProtocolId)).toBe('http/1.1');
    }
  });
});

describe('EncryptMessage / DecryptMessage layouts (§2.8)', () => {
  function established() {
    const p = pair(17);
    const r = handshake(p.client, p.server);
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    return p;
  }
  function desc(e: Endpoint, bytes: Uint8Array, types: number[]) {
    const addr = e.alloc(bytes);
    return new SecBufferDesc(types.map((t, i) => (i === 0 ? new SecBuffer(bytes.length, t, addr) : new SecBuffer(0, t, 0))));
  }
  it('check 60: [HEADER, DATA, TRAILER, EMPTY] → the three cbBuffer values describe exactly the record', () => {
    const { client, server } = established();
    const e = client.encrypt(new TextEncoder().encode('hello'));
    expect(e.status).toBe(0);
    expect(e.record[0]).toBe(0x17);
    expect(e.record.length).toBe(5 + ((e.record[3]! << 8) | e.record[4]!));
    server.receive(e.record);
    expect(new TextDecoder().decode(server.decryptAll().plaintext)).toBe('hello');
  });
  it('checks 61–64: fewer than 4 buffers, no DATA, two DATA, or fewer than three EMPTY → SEC_E_INVALID_TOKEN', () => {
    const { client, server } = established();
    const rec = client.encrypt(new Uint8Array([1, 2, 3])).record;
    const dm = (d: SecBufferDesc) => statusName(server.sspi.DecryptMessage(server.ctx, d, 0, null));
    expect(dm(desc(server, rec, [SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_EMPTY]))).toBe('SEC_E_INVALID_TOKEN');
    expect(dm(desc(server, rec, [SECBUFFER_EMPTY, SECBUFFER_EMPTY, SECBUFFER_EMPTY, SECBUFFER_EMPTY]))).toBe('SEC_E_INVALID_TOKEN');
    expect(dm(desc(server, rec, [SECBUFFER_DATA, SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_EMPTY]))).toBe('SEC_E_INVALID_TOKEN');
    expect(dm(desc(server, rec, [SECBUFFER_DATA, SECBUFFER_EXTRA, SECBUFFER_EMPTY, SECBUFFER_EMPTY]))).toBe('SEC_E_INVALID_TOKEN');
  });
  it('check 65: a record truncated by 5 bytes → SEC_E_INCOMPLETE_MESSAGE, the DATA buffer becomes MISSING with 5', () => {
    const { client, server } = established();
    const rec = client.encrypt(new Uint8Array(100).fill(7)).record;
    const d = desc(server, rec.subarray(0, rec.length - 5), [SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_EMPTY, SECBUFFER_EMPTY]);
    expect(statusName(server.sspi.DecryptMessage(server.ctx, d, 0, null))).toBe('SEC_E_INCOMPLETE_MESSAGE');
    expect([d.pBuffers[0]!.BufferType, d.pBuffers[0]!.cbBuffer]).toEqual([SECBUFFER_MISSING, 5]);
  });
  it('check 66: whole records → [STREAM_HEADER, DATA (in place), STREAM_TRAILER, EXTRA]; one record per call', () => {
    const { client, server } = established();
    const a = client.encrypt(new TextEncoder().encode('first')).record;
    const b = client.encrypt(new TextEncoder().encode('second')).record;
    const both = new Uint8Array([...a, ...b]);
    const d = desc(server, both, [SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_EMPTY, SECBUFFER_EMPTY]);
    const base = d.pBuffers[0]!.pvBuffer;
    expect(server.sspi.DecryptMessage(server.ctx, d, 0, null)).toBe(0);
    expect(d.pBuffers.map((x) => x.BufferType)).toEqual([SECBUFFER_STREAM_HEADER, SECBUFFER_DATA, SECBUFFER_STREAM_TRAILER, SECBUFFER_EXTRA]);
    expect(d.pBuffers[1]!.pvBuffer).toBe(base + 5);
    expect(new TextDecoder().decode(server.process.read(d.pBuffers[1]!.pvBuffer, d.pBuffers[1]!.cbBuffer))).toBe('first');
    expect(d.pBuffers[3]!.cbBuffer).toBe(b.length);
  });
  it('check 68: a received close_notify → SEC_I_CONTEXT_EXPIRED', () => {
    const { client, server } = established();
    const tok = new Uint8Array(4);
    new DataView(tok.buffer).setUint32(0, SCHANNEL_SHUTDOWN, true);
    expect(client.sspi.ApplyControlToken(client.ctx, new SecBufferDesc([new SecBuffer(4, SECBUFFER_TOKEN, client.alloc(tok))]))).toBe(0);
    const r = client.step();
    expect(statusName(r.status)).toBe('SEC_E_OK');
    expect(r.token[0]).toBe(0x17); // encrypted after the handshake (check 78)
    server.receive(r.token);
    expect(statusName(server.decryptAll().status)).toBe('SEC_I_CONTEXT_EXPIRED');
  });
  it('a tampered record → SEC_E_DECRYPT_FAILURE, and the context stays failed', () => {
    const { client, server } = established();
    const rec = client.encrypt(new TextEncoder().encode('secret')).record.slice();
    rec[rec.length - 3]! ^= 1;
    server.receive(rec);
    expect(statusName(server.decryptAll().status)).toBe('SEC_E_DECRYPT_FAILURE');
  });
});

describe('ApplyControlToken, shutdown and alerts (§2.9)', () => {
  function afterHello() {
    const p = pair(19);
    const ctx = new SecHandle();
    expect(isc(p.client, null, FLAGS_28, null, tokenOut(p.client, 8192), ctx).name).toBe('SEC_I_CONTINUE_NEEDED');
    return { ...p, ctx };
  }
  const dword = (e: Endpoint, v: number, type = SECBUFFER_TOKEN, size = 4) => {
    const b = new Uint8Array(Math.max(size, 4));
    new DataView(b.buffer).setUint32(0, v, true);
    return new SecBuffer(size, type, e.alloc(b));
  };
  it('check 69: two buffers → SEC_E_INVALID_TOKEN', () => {
    const { client, ctx } = afterHello();
    expect(statusName(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN), new SecBuffer(0, SECBUFFER_EMPTY, 0)])))).toBe('SEC_E_INVALID_TOKEN');
  });
  it('check 70: SCHANNEL_RENEGOTIATE → SEC_E_UNSUPPORTED_FUNCTION', () => {
    const { client, ctx } = afterHello();
    expect(statusName(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_RENEGOTIATE)])))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
  });
  it('check 71: NULL context → SEC_E_INVALID_HANDLE; NULL descriptor → SEC_E_INTERNAL_ERROR', () => {
    const { client, ctx } = afterHello();
    expect(statusName(client.sspi.ApplyControlToken(null, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN)])))).toBe('SEC_E_INVALID_HANDLE');
    expect(statusName(client.sspi.ApplyControlToken(ctx, null))).toBe('SEC_E_INTERNAL_ERROR');
  });
  it('check 72: SHUTDOWN in an ALERT or DATA buffer → SEC_E_INVALID_TOKEN', () => {
    const { client, ctx } = afterHello();
    expect(statusName(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN, SECBUFFER_ALERT)])))).toBe('SEC_E_INVALID_TOKEN');
    expect(statusName(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN, SECBUFFER_DATA)])))).toBe('SEC_E_INVALID_TOKEN');
  });
  it('check 73: a TOKEN of 2 bytes → SEC_E_UNSUPPORTED_FUNCTION', () => {
    const { client, ctx } = afterHello();
    expect(statusName(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN, SECBUFFER_TOKEN, 2)])))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
  });
  // The reference's bytes (15 03 01 …) come from a TLS 1.0 credential; a TLS 1.3 context writes
  // legacy_record_version 0x0303 (RFC 8446 §5.1), so the records below read 15 03 03 ….
  it('checks 74–76: SHUTDOWN (twice) → 0; the next ISC gives the close_notify alert 15 03 03 00 02 01 00; a further ISC → INCOMPLETE_MESSAGE', () => {
    const { client, ctx } = afterHello();
    expect(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN, SECBUFFER_TOKEN, 5)]))).toBe(0);
    expect(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([dword(client, SCHANNEL_SHUTDOWN, SECBUFFER_TOKEN, 5)]))).toBe(0);
    const out = tokenOut(client, 1000);
    const ctx2 = new SecHandle();
    const r = isc(client, ctx, 0, null, out, ctx2);
    expect(r.name).toBe('SEC_E_OK');
    expect([ctx2.dwLower, ctx2.dwUpper]).toEqual([ctx.dwLower, ctx.dwUpper]);
    expect([...client.process.read(out.pBuffers[0]!.pvBuffer, out.pBuffers[0]!.cbBuffer)]).toEqual([0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00]);
    const out2 = tokenOut(client, 1000);
    const ctx3 = new SecHandle(4, 4);
    expect(isc(client, ctx, 0, null, out2, ctx3).name).toBe('SEC_E_INCOMPLETE_MESSAGE');
    expect(out2.pBuffers[0]!.cbBuffer).toBe(1000);
    expect([ctx3.dwLower, ctx3.dwUpper]).toEqual([4, 4]);
  });
  it('check 77: SCHANNEL_ALERT fatal/bad_certificate → the next ISC gives 15 03 03 00 02 02 2a', () => {
    const { client, ctx } = afterHello();
    const t = new Uint8Array(12);
    const dv = new DataView(t.buffer);
    dv.setUint32(0, SCHANNEL_ALERT, true);
    dv.setUint32(4, TLS1_ALERT_FATAL, true);
    dv.setUint32(8, TLS1_ALERT_BAD_CERTIFICATE, true);
    expect(client.sspi.ApplyControlToken(ctx, new SecBufferDesc([new SecBuffer(12, SECBUFFER_TOKEN, client.alloc(t))]))).toBe(0);
    const out = tokenOut(client, 1000);
    expect(isc(client, ctx, 0, null, out).name).toBe('SEC_E_OK');
    expect([...client.process.read(out.pBuffers[0]!.pvBuffer, out.pBuffers[0]!.cbBuffer)]).toEqual([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2a]);
  });
});

describe('server (§2.10)', () => {
  it('check 79: ASC with ClientHello + APPLICATION_PROTOCOLS → CONTINUE; client CONTINUE→OK; server OK with sctx2 == sctx', () => {
    const { client, server } = pair(23);
    const r = handshake(client, server, { alpnClient: ['http/1.1'], alpnServer: ['http/1.1'] });
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    expect(server.statuses.map(statusName)).toEqual(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']);
    // REPLAY|SEQUENCE|CONFIDENTIALITY|STREAM (+EXTENDED_ERROR, ALLOCATED_MEMORY requested).
    expect(server.attrs.value & 0x1001c).toBe(0x1001c);
  });
});
