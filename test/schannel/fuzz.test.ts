/**
 * No SSPI function throws: Schannel's members called with malformed descriptors of every shape,
 * on live contexts (mid-handshake and established), return a status; afterwards deleting the
 * contexts and freeing the credentials leaves every pool as it was.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { makeDevice, certWithKey, Endpoint, handshake } from './harness.js';
import { SecBuffer, SecBufferDesc, SecHandle, SECPKG_ATTR_STREAM_SIZES, SECPKG_ATTR_REMOTE_CERT_CONTEXT, SECPKG_ATTR_CIPHER_INFO, SECPKG_ATTR_ENDPOINT_BINDINGS } from '../../sspi/index.js';
import type { Device } from '../../device/index.js';
import { CertContext, CertFreeCertificateContext } from '../../schannel/index.js';

const TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 10, 17, 18, 0x80000002, 0x10000001, 99];

/** A buffer: an address that is valid, NULL, or wild; a length that fits, overflows, or is silly. */
const bufferArb = (validAddrs: number[]) =>
  fc.record({
    type: fc.constantFrom(...TYPES),
    addr: fc.oneof(fc.constantFrom(0, 0xdeadbeef, 1, 0x42000000), fc.constantFrom(...validAddrs)),
    len: fc.oneof(fc.constantFrom(0, 1, 4, 5, 12, 64, 4096, 0xffffffff, -1), fc.integer({ min: 0, max: 300 })),
  });

function poolLeaks(d: Device) {
  return d.leakReport().filter((l) => l.pool !== 'heap');
}

describe('Schannel members never throw', () => {
  it('random descriptors to ISC/ASC/Encrypt/Decrypt/ApplyControlToken/QueryContextAttributes', () => {
    const device = makeDevice(71);
    const client = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    const server = new Endpoint(device.createProcess('server.exe'), 'server');
    client.acquire({});
    server.acquire({ cCreds: 1, paCred: [certWithKey('server-p256')] });
    // A context mid-handshake and an established pair.
    const half = new Endpoint(client.process, 'client', 'localhost');
    Object.assign(half.cred, client.cred);
    half.step();
    expect(handshake(client, server).client).toBe(0);
    const scratch = [client.alloc(new Uint8Array(4096).fill(0x17)), client.alloc(new Uint8Array(64).fill(0x16)), client.alloc(new Uint8Array(12))];
    const statuses: unknown[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom('isc', 'asc', 'enc', 'dec', 'act', 'qca'),
        fc.constantFrom(client.ctx, half.ctx, server.ctx, new SecHandle(1, 1)),
        fc.array(bufferArb(scratch), { maxLength: 6 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(SECPKG_ATTR_STREAM_SIZES, SECPKG_ATTR_REMOTE_CERT_CONTEXT, SECPKG_ATTR_CIPHER_INFO, SECPKG_ATTR_ENDPOINT_BINDINGS, 5, 0x5d, 12, 999),
        (member, ctx, bufs, flags, attr) => {
          const desc = new SecBufferDesc(bufs.map((b) => new SecBuffer(b.len, b.type, b.addr)));
          const out = new SecBufferDesc([new SecBuffer(0, 2, 0)]);
          const proc = ctx === server.ctx ? server : client;
          let s: number;
          switch (member) {
            case 'isc':
              s = client.sspi.InitializeSecurityContext(null, ctx, 'localhost', flags | 0x100, 0, 0, desc, 0, new SecHandle(), out, { value: 0 }, null);
              break;
            case 'asc':
              s = server.sspi.AcceptSecurityContext(null, ctx, desc, flags | 0x100, 0, new SecHandle(), out, { value: 0 }, null);
              break;
            case 'enc':
              s = proc.sspi.EncryptMessage(ctx, 0, desc, 0);
              break;
            case 'dec':
              s = proc.sspi.DecryptMessage(ctx, desc, 0, null);
              break;
            case 'act':
              s = proc.sspi.ApplyControlToken(ctx, desc);
              break;
            default: {
              const o: Record<string, unknown> = { dwVersion: 1 };
              s = proc.sspi.QueryContextAttributes(ctx, attr, o);
              if (typeof o.Bindings === 'number' && o.Bindings) proc.sspi.FreeContextBuffer(o.Bindings);
              if (o.value instanceof CertContext) CertFreeCertificateContext(o.value);
              for (const k of ['sSignatureAlgorithmName', 'sEncryptAlgorithmName']) if (typeof o[k] === 'number' && o[k]) proc.sspi.FreeContextBuffer(o[k] as number);
            }
          }
          statuses.push(s);
          expect(typeof s).toBe('number');
          // Tokens handed out under ALLOCATE_MEMORY go back with FreeContextBuffer.
          const b = out.pBuffers[0]!;
          if (b.pvBuffer && device.blockOf(b.pvBuffer)?.pool === 'token') proc.sspi.FreeContextBuffer(b.pvBuffer);
        },
      ),
      { numRuns: 400 },
    );
    for (const e of [client, half, server]) e.sspi.DeleteSecurityContext(e.ctx);
    client.sspi.FreeCredentialsHandle(client.cred);
    server.sspi.FreeCredentialsHandle(server.cred);
    expect(poolLeaks(device)).toEqual([]);
    expect(device.faults.filter((f) => f.kind !== 'unmapped-access' && f.kind !== 'overflow')).toEqual([]);
  });
});
