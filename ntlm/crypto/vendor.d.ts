/**
 * Types for the two untyped crypto libraries NTLM uses (only `ntlm/crypto/` imports them).
 */
declare module 'js-md4' {
  interface Md4 {
    /** MD4 (RFC 1320) of `message` as an ArrayBuffer of 16 bytes. */
    arrayBuffer(message: Uint8Array | ArrayBuffer | string): ArrayBuffer;
  }
  const md4: Md4;
  export default md4;
}

declare module 'des.js' {
  interface DesCipher {
    update(data: Uint8Array | number[]): number[];
    final(data?: Uint8Array | number[]): number[];
  }
  interface DesOptions {
    type: 'encrypt' | 'decrypt';
    key: Uint8Array | number[];
    padding?: boolean;
  }
  const des: { DES: { create(options: DesOptions): DesCipher } };
  export default des;
}
