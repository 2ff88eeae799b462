// TLS 1.3 through Security.dll, line for line as C against Schannel would read: a client and a
// server process on one device pass tokens in memory (on the emulated network, the built-in
// tls-client/tls-server programs do the same over sockets).
import { readFileSync } from 'node:fs';
import { Device, getProfile, type Process } from 'cesim/device';
import {
  InitSecurityInterface, SecBuffer, SecBufferDesc, SecHandle, TimeStamp, SCHANNEL_CRED, SCHANNEL_CRED_VERSION,
  UNISP_NAME, SECPKG_CRED_OUTBOUND, SECPKG_CRED_INBOUND, SECBUFFER_TOKEN, SECBUFFER_EMPTY, SECBUFFER_DATA,
  SECBUFFER_STREAM_HEADER, SECBUFFER_STREAM_TRAILER, SECPKG_ATTR_STREAM_SIZES, SECPKG_ATTR_CIPHER_INFO,
  SecPkgContext_StreamSizes, SecPkgContext_CipherInfo, ISC_REQ_SEQUENCE_DETECT, ISC_REQ_REPLAY_DETECT,
  ISC_REQ_CONFIDENTIALITY, ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_STREAM, ASC_REQ_SEQUENCE_DETECT, ASC_REQ_REPLAY_DETECT,
  ASC_REQ_CONFIDENTIALITY, ASC_REQ_ALLOCATE_MEMORY, ASC_REQ_STREAM, SECURITY_NATIVE_DREP, SEC_E_OK,
  SEC_I_CONTINUE_NEEDED, statusName,
} from 'cesim/sspi';
import { schannelRootStore, loadCertificateWithKey, CertAddEncodedCertificateToStore, parseCertificates } from 'cesim/schannel';

// The test certificates that ship in the package's scenarios/pki/.
const pki = (f: string) => readFileSync(new URL(`scenarios/pki/${f}`, import.meta.resolve('cesim/package.json')), 'utf8');
// The image of every built-in profile lists schannel.dll; importing cesim/schannel provides it.
const device = new Device(getProfile('ce210-handheld'), { seed: 1 });
const root = parseCertificates(pki('ec-root.pem'));
if (root.ok) CertAddEncodedCertificateToStore(schannelRootStore(device), 0x10001, root.value[0]!.der, 4);
const serverCert = loadCertificateWithKey(pki('server-p256.chain.pem'), pki('server-p256.key.pem'));
if (!serverCert.ok) throw new Error(serverCert.error.detail);

const client = device.createProcess('client.exe');
const server = device.createProcess('server.exe');
const cSspi = InitSecurityInterface(client);
const sSspi = InitSecurityInterface(server);
const hClientCred = new SecHandle();
const hServerCred = new SecHandle();
cSspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION }), null, null, hClientCred, new TimeStamp());
sSspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_INBOUND, null, new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION, cCreds: 1, paCred: [serverCert.value] }), null, null, hServerCred, new TimeStamp());

/** Copies bytes into a LocalAlloc'ed buffer of `p`, as a received packet would be. */
function inBuffer(p: Process, bytes: Uint8Array): SecBufferDesc {
  const addr = p.LocalAlloc(0, Math.max(1, bytes.length));
  p.write(addr, bytes);
  return new SecBufferDesc([new SecBuffer(bytes.length, SECBUFFER_TOKEN, addr), new SecBuffer(0, SECBUFFER_EMPTY, 0)]);
}
/** Reads the output token and gives it back with FreeContextBuffer (ISC_REQ_ALLOCATE_MEMORY). */
function takeToken(p: Process, sspi: typeof cSspi, out: SecBufferDesc): Uint8Array {
  const b = out.pBuffers[0]!;
  const bytes = b.cbBuffer ? p.read(b.pvBuffer, b.cbBuffer) : new Uint8Array(0);
  if (b.pvBuffer) sspi.FreeContextBuffer(b.pvBuffer);
  return bytes;
}

const iscReq = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
const ascReq = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;
const hClientCtx = new SecHandle();
const hServerCtx = new SecHandle();
const attrs = { value: 0 };

// Leg 1: ClientHello.
let out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
let cStatus = cSspi.InitializeSecurityContext(hClientCred, null, 'device.test', iscReq, 0, SECURITY_NATIVE_DREP, null, 0, hClientCtx, out, attrs, null);
let toServer = takeToken(client, cSspi, out);
let sStatus = SEC_I_CONTINUE_NEEDED;
let first = true;
while (cStatus === SEC_I_CONTINUE_NEEDED || sStatus === SEC_I_CONTINUE_NEEDED) {
  if (toServer.length) {
    out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    sStatus = sSspi.AcceptSecurityContext(hServerCred, first ? null : hServerCtx, inBuffer(server, toServer), ascReq, SECURITY_NATIVE_DREP, hServerCtx, out, attrs, null);
    first = false;
    const toClient = takeToken(server, sSspi, out);
    console.log('AcceptSecurityContext     →', statusName(sStatus), `(${toClient.length} bytes to send)`);
    toServer = new Uint8Array(0);
    if (cStatus === SEC_I_CONTINUE_NEEDED && toClient.length) {
      out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
      cStatus = cSspi.InitializeSecurityContext(null, hClientCtx, 'device.test', iscReq, 0, SECURITY_NATIVE_DREP, inBuffer(client, toClient), 0, hClientCtx, out, attrs, null);
      toServer = takeToken(client, cSspi, out);
      console.log('InitializeSecurityContext →', statusName(cStatus), `(${toServer.length} bytes to send), attrs 0x${attrs.value.toString(16)}`);
    }
  }
  if (!toServer.length && (cStatus !== SEC_I_CONTINUE_NEEDED || sStatus !== SEC_I_CONTINUE_NEEDED)) break;
}

const info = new SecPkgContext_CipherInfo();
cSspi.QueryContextAttributes(hClientCtx, SECPKG_ATTR_CIPHER_INFO, info);
console.log('negotiated', info.szCipherSuite);

// EncryptMessage: [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in one buffer.
const sizes = new SecPkgContext_StreamSizes();
cSspi.QueryContextAttributes(hClientCtx, SECPKG_ATTR_STREAM_SIZES, sizes);
const msg = new TextEncoder().encode('GET /index.html HTTP/1.0\r\n\r\n');
const io = client.LocalAlloc(0, sizes.cbHeader + msg.length + sizes.cbTrailer);
client.write(io + sizes.cbHeader, msg);
const bufs = [new SecBuffer(sizes.cbHeader, SECBUFFER_STREAM_HEADER, io), new SecBuffer(msg.length, SECBUFFER_DATA, io + sizes.cbHeader),
  new SecBuffer(sizes.cbTrailer, SECBUFFER_STREAM_TRAILER, io + sizes.cbHeader + msg.length), new SecBuffer(0, SECBUFFER_EMPTY, 0)];
console.log('EncryptMessage            →', statusName(cSspi.EncryptMessage(hClientCtx, 0, new SecBufferDesc(bufs), 0)));
const record = client.read(io, bufs[0]!.cbBuffer + bufs[1]!.cbBuffer + bufs[2]!.cbBuffer);

// DecryptMessage: [DATA, EMPTY, EMPTY, EMPTY] → [STREAM_HEADER, DATA (in place), STREAM_TRAILER, EXTRA?].
const rx = server.LocalAlloc(0, record.length);
server.write(rx, record);
const dbufs = new SecBufferDesc([new SecBuffer(record.length, SECBUFFER_DATA, rx), new SecBuffer(0, 0, 0), new SecBuffer(0, 0, 0), new SecBuffer(0, 0, 0)]);
const d = sSspi.DecryptMessage(hServerCtx, dbufs, 0, null);
const data = dbufs.pBuffers[1]!;
console.log('DecryptMessage            →', statusName(d), JSON.stringify(new TextDecoder().decode(server.read(data.pvBuffer, data.cbBuffer))));

cSspi.DeleteSecurityContext(hClientCtx);
sSspi.DeleteSecurityContext(hServerCtx);
cSspi.FreeCredentialsHandle(hClientCred);
sSspi.FreeCredentialsHandle(hServerCred);
client.LocalFree(io);
server.LocalFree(rx);
console.log('pools after teardown:', device.stats().pools.map((p) => `${p.name} ${p.currentBytesRequested} B (peak ${p.peakBytesRequested} B)`).join(', '));
console.log('virtual CPU time', (device.clock.nowNs() / 1e6).toFixed(0), 'ms at 131 MHz', d === SEC_E_OK ? '' : '(failed)');
