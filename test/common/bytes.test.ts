/** The one bytes utility: hex, concatenation, equality, big-endian fields. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, concatAll, concatBytes, fromHex, isHex, readUintBE, toHex, u16be, u24be, u32be } from '../../common/index.js';

describe('hex', () => {
  it('encodes lower case, two digits a byte', () => {
    expect(toHex(Uint8Array.of(0x00, 0x0a, 0xff, 0x10))).toBe('000aff10');
    expect(toHex(new Uint8Array(0))).toBe('');
  });
  it('decodes either case and rejects odd lengths and non-hex', () => {
    expect([...fromHex('00Aff1')]).toEqual([0x00, 0xaf, 0xf1]);
    expect(fromHex('').length).toBe(0);
    for (const bad of ['abc', 'zz', '0x00', '00 11', '-1']) {
      expect(isHex(bad)).toBe(false);
      expect(() => fromHex(bad)).toThrow(RangeError);
    }
  });
  it('round-trips any bytes (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(fromHex(toHex(b))).toEqual(b);
      expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
    }));
  });
});

describe('concat', () => {
  it('puts the parts one after another in a new array', () => {
    const a = Uint8Array.of(1, 2);
    const out = concatBytes(a, new Uint8Array(0), Uint8Array.of(3));
    expect([...out]).toEqual([1, 2, 3]);
    out[0] = 9;
    expect(a[0]).toBe(1);
    expect([...concatAll([Uint8Array.of(4), Uint8Array.of(5, 6)])]).toEqual([4, 5, 6]);
    expect(concatBytes().length).toBe(0);
  });
  it('agrees with Buffer.concat (property)', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 8 }), (parts) => {
      expect([...concatAll(parts)]).toEqual([...Buffer.concat(parts)]);
    }));
  });
});

describe('bytesEqual', () => {
  it('is true only for the same length and bytes', () => {
    expect(bytesEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(bytesEqual(Uint8Array.of(0x80), Uint8Array.of(0x00))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('big-endian fields', () => {
  it('writes 2, 3 and 4 byte fields most significant byte first', () => {
    expect([...u16be(0x1234)]).toEqual([0x12, 0x34]);
    expect([...u24be(0x010203)]).toEqual([1, 2, 3]);
    expect([...u32be(0xdeadbeef)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });
  it('refuses values that do not fit', () => {
    expect(() => u16be(0x10000)).toThrow(RangeError);
    expect(() => u24be(-1)).toThrow(RangeError);
    expect(() => u32be(2 ** 32)).toThrow(RangeError);
    expect(() => u16be(1.5)).toThrow(RangeError);
  });
  it('reads back what it wrote, and refuses to read past the end', () => {
    const b = concatBytes(u16be(0xabcd), u24be(0x123456), u32be(0xfffffffe));
    expect(readUintBE(b, 0, 2)).toBe(0xabcd);
    expect(readUintBE(b, 2, 3)).toBe(0x123456);
    expect(readUintBE(b, 5, 4)).toBe(0xfffffffe);
    expect(readUintBE(b, 8, 1)).toBe(0xfe);
    expect(() => readUintBE(b, 7, 4)).toThrow(RangeError);
  });
});
