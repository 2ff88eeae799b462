/**
 * MS-NLMP wire constants: the NEGOTIATE flags (§2.2.2.5), the AV_PAIR ids (§2.2.2.1), the
 * MsvAvFlags bits and the message types (§2.2.1).
 */

/** `"NTLMSSP\0"`, the first 8 bytes of every NTLM message (MS-NLMP §2.2.1). */
export const NTLMSSP_SIGNATURE = Uint8Array.of(0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00);

/** MessageType values (MS-NLMP §2.2.1.1–3). */
export const NtLmNegotiate = 1;
/** CHALLENGE_MESSAGE. */
export const NtLmChallenge = 2;
/** AUTHENTICATE_MESSAGE. */
export const NtLmAuthenticate = 3;

/** NegotiateFlags bits (MS-NLMP §2.2.2.5), letters A..W of the document in the comments. */
export const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001; // A
/** B */
export const NTLM_NEGOTIATE_OEM = 0x00000002;
/** C */
export const NTLMSSP_REQUEST_TARGET = 0x00000004;
/** D */
export const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
/** E */
export const NTLMSSP_NEGOTIATE_SEAL = 0x00000020;
/** F */
export const NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040;
/** G */
export const NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080;
/** H */
export const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
/** J (anonymous) */
export const NTLMSSP_NEGOTIATE_ANONYMOUS = 0x00000800;
/** K */
export const NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED = 0x00001000;
/** L */
export const NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED = 0x00002000;
/** M */
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
/** N */
export const NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000;
/** O */
export const NTLMSSP_TARGET_TYPE_SERVER = 0x00020000;
/** P */
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
/** Q */
export const NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000;
/** R */
export const NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000;
/** S */
export const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
/** T */
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;
/** U */
export const NTLMSSP_NEGOTIATE_128 = 0x20000000;
/** V */
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;
/** W */
export const NTLMSSP_NEGOTIATE_56 = 0x80000000;

/** Names of the flags, for traces and reports. */
export const NEGOTIATE_FLAG_NAMES: readonly [number, string][] = [
  [NTLMSSP_NEGOTIATE_UNICODE, 'UNICODE'],
  [NTLM_NEGOTIATE_OEM, 'OEM'],
  [NTLMSSP_REQUEST_TARGET, 'REQUEST_TARGET'],
  [NTLMSSP_NEGOTIATE_SIGN, 'SIGN'],
  [NTLMSSP_NEGOTIATE_SEAL, 'SEAL'],
  [NTLMSSP_NEGOTIATE_DATAGRAM, 'DATAGRAM'],
  [NTLMSSP_NEGOTIATE_LM_KEY, 'LM_KEY'],
  [NTLMSSP_NEGOTIATE_NTLM, 'NTLM'],
  [NTLMSSP_NEGOTIATE_ANONYMOUS, 'ANONYMOUS'],
  [NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED, 'OEM_DOMAIN_SUPPLIED'],
  [NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED, 'OEM_WORKSTATION_SUPPLIED'],
  [NTLMSSP_NEGOTIATE_ALWAYS_SIGN, 'ALWAYS_SIGN'],
  [NTLMSSP_TARGET_TYPE_DOMAIN, 'TARGET_TYPE_DOMAIN'],
  [NTLMSSP_TARGET_TYPE_SERVER, 'TARGET_TYPE_SERVER'],
  [NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, 'EXTENDED_SESSIONSECURITY'],
  [NTLMSSP_NEGOTIATE_IDENTIFY, 'IDENTIFY'],
  [NTLMSSP_REQUEST_NON_NT_SESSION_KEY, 'NON_NT_SESSION_KEY'],
  [NTLMSSP_NEGOTIATE_TARGET_INFO, 'TARGET_INFO'],
  [NTLMSSP_NEGOTIATE_VERSION, 'VERSION'],
  [NTLMSSP_NEGOTIATE_128, '128'],
  [NTLMSSP_NEGOTIATE_KEY_EXCH, 'KEY_EXCH'],
  [NTLMSSP_NEGOTIATE_56, '56'],
];

/** `UNICODE|SEAL|...` for a flags word. */
export function flagNames(flags: number): string {
  return NEGOTIATE_FLAG_NAMES.filter(([bit]) => (flags & bit) >>> 0 !== 0).map(([, n]) => n).join('|');
}

/** AV_PAIR AvId values (MS-NLMP §2.2.2.1). */
export const MsvAvEOL = 0x0000;
/** NetBIOS computer name. */
export const MsvAvNbComputerName = 0x0001;
/** NetBIOS domain name. */
export const MsvAvNbDomainName = 0x0002;
/** DNS computer name. */
export const MsvAvDnsComputerName = 0x0003;
/** DNS domain name. */
export const MsvAvDnsDomainName = 0x0004;
/** DNS tree name. */
export const MsvAvDnsTreeName = 0x0005;
/** A 32-bit flags value. */
export const MsvAvFlags = 0x0006;
/** FILETIME of the server. */
export const MsvAvTimestamp = 0x0007;
/** Single_Host_Data. */
export const MsvAvSingleHost = 0x0008;
/** The SPN of the target, UTF-16LE. */
export const MsvAvTargetName = 0x0009;
/** MD5 of gss_channel_bindings_struct. */
export const MsvAvChannelBindings = 0x000a;

/** MsvAvFlags: the account's authentication is constrained. */
export const MSV_AV_FLAG_CONSTRAINED = 0x00000001;
/** MsvAvFlags: the client provides a MIC in the AUTHENTICATE message. */
export const MSV_AV_FLAG_MIC = 0x00000002;
/** MsvAvFlags: the client provides an untrusted SPN target name. */
export const MSV_AV_FLAG_UNTRUSTED_SPN = 0x00000004;

/** NTLMSSP_REVISION_W2K3 (MS-NLMP §2.2.2.10), the NTLMRevisionCurrent of a VERSION. */
export const NTLMSSP_REVISION_W2K3 = 0x0f;

/** NTLMSSP_MESSAGE_SIGNATURE Version (MS-NLMP §2.2.2.9): always 1. */
export const NTLMSSP_MESSAGE_SIGNATURE_VERSION = 1;
/** Size of NTLMSSP_MESSAGE_SIGNATURE: 16 bytes (the `cbMaxSignature` of SECPKG_ATTR_SIZES). */
export const NTLM_SIGNATURE_BYTES = 16;
