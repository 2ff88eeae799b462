/** Helpers of the NTLM tests: a crypto instance that counts charges, hex. */
import { createNtlmCrypto, type NtlmCrypto } from '../../ntlm/crypto/primitives.js';
import { fromHex, toHex } from '../../ntlm/core/bytes.js';

/** A crypto instance over a fixed random stream and a charge log. */
export function testCrypto(randomBytes?: Uint8Array): { c: NtlmCrypto; charges: Map<string, number> } {
  const charges = new Map<string, number>();
  let pos = 0;
  const c = createNtlmCrypto({
    cost: { charge: (p: string, b = 0) => charges.set(p, (charges.get(p) ?? 0) + b + 1) },
    random: {
      fill(out: Uint8Array) {
        for (let i = 0; i < out.length; i++) out[i] = randomBytes ? randomBytes[pos++ % randomBytes.length]! : 0;
        return out;
      },
    },
  });
  return { c, charges };
}

export { fromHex as hex, toHex };
