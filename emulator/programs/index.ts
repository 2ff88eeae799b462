/**
 * Built-in firmware programs that a scenario's processes run: `tls-client`, `tls-server`
 * (Schannel through SSPI), `echo-client`, `echo-server` (plain sockets), and the hostile peers
 * `idle-client`, `garbage-client`, `flood-client` for load scenarios. This file is the
 * folder's public face.
 */
import { echoClient, echoServer } from './echo.js';
import { tlsClient, tlsServer } from './tls.js';
import { floodClient, garbageClient, idleClient } from './hostile.js';
import type { ProgramDefinition } from './registry.js';

export { type ProgramDefinition, type ProgramRunContext, type ParamSpec, type ParamType, validateParams, parseTarget } from './registry.js';
export { type ProgramOutcome, type ProgramHost, type ByteStream, type StreamRead, type HandshakeGate, emptyOutcome } from './types.js';
export { TlsSession, NO_STREAM, addRootCertificates, protocolName, isFailure, HANDSHAKE_IO_BUFFER_BYTES, DEFAULT_RECV_TIMEOUT_NS, type TlsCredentialOptions, type Negotiated, type SessionResult, type SessionLimits } from './tls-session.js';
export { tlsClientExchange, tlsServerExchange, httpResponse, protocolBits, admissionDefaults, serverLimits, AdmissionGate, SERVER_DEFENCE_PARAMS, GENERAL_POOL_BYTES_PER_HANDSHAKE, type AdmissionLimits, type TlsClientExchange, type TlsClientResult, type TlsServerExchange } from './tls.js';
export { TaskProgramHost, SocketStream, spawnThread } from './emulated.js';
export { echoPattern } from './echo.js';

/** The built-in programs by name. */
export const BUILTIN_PROGRAMS: Readonly<Record<string, ProgramDefinition>> = Object.freeze({
  'tls-client': tlsClient,
  'tls-server': tlsServer,
  'echo-client': echoClient,
  'echo-server': echoServer,
  'idle-client': idleClient,
  'garbage-client': garbageClient,
  'flood-client': floodClient,
});
