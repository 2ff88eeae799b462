/**
 * cesim's TLS 1.3 protocol core (RFC 8446): pure, bytes in, bytes and events out. No I/O, no
 * clock (time is `env.nowMs`), randomness only through `env.crypto`, every byte it holds charged
 * to `env.memory`.
 *
 * ## How the Schannel SSPI layer drives it
 *
 * ```ts
 * const conn = createClient(config, { crypto, memory, nowMs });
 * let { output } = conn.start();                 // ClientHello → SECBUFFER_TOKEN, SEC_I_CONTINUE_NEEDED
 * // InitializeSecurityContext with server bytes:
 * const r = conn.receive(input);
 * //  r.error                → the SECURITY_STATUS of r.error.code; r.output may carry an alert
 * //  r.output.length > 0    → token to send; SEC_I_CONTINUE_NEEDED (or SEC_E_OK if handshakeComplete)
 * //  needClientCertificate  → SEC_I_INCOMPLETE_CREDENTIALS; later conn.provideClientCertificate(chain|null, key|null)
 * //  r.missing !== undefined and nothing else happened → SEC_E_INCOMPLETE_MESSAGE, SECBUFFER_MISSING = r.missing
 * //  r.consumed < input.length after completion → SECBUFFER_EXTRA = input.length - r.consumed
 * // EncryptMessage: conn.seal(data) (data ≤ conn.streamSizes().maximumMessage) → one record
 * // DecryptMessage: conn.open(bytes) → one record: plaintext, events (sessionTicket, keyUpdate,
 * //   closeNotify → SEC_I_CONTEXT_EXPIRED), output to send (KeyUpdate answer), missing
 * // ApplyControlToken(SCHANNEL_SHUTDOWN) + ISC: conn.close() → close_notify record
 * // DeleteSecurityContext: conn.dispose() → every block freed, secrets zeroed
 * ```
 *
 * `receive` consumes whole records only, as many as the handshake needs; it stops once the
 * handshake completes (or pauses for a client certificate), so bytes after that stay
 * unconsumed (application data for `open`). `missing` is present whenever the handshake needs
 * more input: 5 − have without a full header, else the rest of the record's body.
 *
 * No public method throws; failures are {@link TlsError} values with a stable `code`, one row each
 * in {@link TLS_ERROR_TABLE} (kind and alert). After a failure every call returns that error.
 */
import type { TlsClientConfig, TlsEnv, TlsServerConfig } from './config.js';
import { TlsClient } from './client.js';
import { TlsServer } from './server.js';

export { TlsClient } from './client.js';
export { TlsServer } from './server.js';
export { TlsConnection, type Negotiated } from './connection.js';
export * from './config.js';
export * from './errors.js';
export * from './memory.js';
export { createTicketSealer } from './tickets.js';
export { CLIENT_TRANSITIONS, SERVER_TRANSITIONS, mermaid, type ClientState, type ServerState, type Transition } from './states.js';
export { CIPHER_SUITES, GROUP_EXCHANGE, NAMED_GROUPS, type CipherSuite, type CipherSuiteName } from './codec/constants.js';
export { AlertDescription, AlertLevel } from './codec/alert.js';
export { schemesForKey } from './util.js';

/** Creates a client connection; call `start()` for the ClientHello. */
export function createClient(config: TlsClientConfig, env: TlsEnv): TlsClient {
  return new TlsClient(config, env);
}

/**
 * Creates a server connection (already started: it waits for a ClientHello). A configuration
 * error is reported by the first call (`failed`/`error` are set at once).
 */
export function createServer(config: TlsServerConfig, env: TlsEnv): TlsServer {
  const s = new TlsServer(config, env);
  s.start();
  return s;
}
