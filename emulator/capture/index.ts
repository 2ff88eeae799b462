/**
 * Captures of emulated runs that standard tools read: pcap files of the emulated network
 * (Wireshark, tshark, tcpdump) and NSS key log files to decrypt their TLS.
 */

export {
  type CaptureNanos,
  type TcpFlags,
  type CapturedSegment,
  type PcapWriterOptions,
  LINKTYPE_ETHERNET,
  PCAP_MAGIC_NANOSECONDS,
  MAX_TCP_PAYLOAD_BYTES,
  parseIpv4,
  macForIp,
  formatMac,
  internetChecksum,
  tcpFlagsFromBits,
  encodeEthernetFrame,
  PcapWriter,
  encodePcap,
  writePcap,
} from './pcap.js';
export { type TcpEndpoint, type TcpSide, type TcpFlowOptions, TcpFlow } from './tcp-flow.js';
export {
  TLS13_KEYLOG_LABELS,
  type Tls13KeyLogLabel,
  type KeyLogLabel,
  KEYLOG_LABELS,
  CLIENT_RANDOM_BYTES,
  TLS12_MASTER_SECRET_BYTES,
  type KeyLogEntry,
  formatKeyLogLine,
  parseKeyLogLine,
  KeyLogWriter,
  writeKeyLog,
} from './keylog.js';
