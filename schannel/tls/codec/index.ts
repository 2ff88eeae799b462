/** The TLS wire formats: records, handshake messages, extensions, alerts (and TLS 1.2 shapes). */
export * from './reader.js';
export * from './constants.js';
export * from './alert.js';
export * from './record.js';
export * from './extensions.js';
export * from './handshake.js';
export * from './tls12.js';
