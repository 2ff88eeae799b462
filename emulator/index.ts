/**
 * cesim's emulated device loop: virtual time, the network, stream sockets, device tasks and
 * the trace. This file is the module's only public face.
 */
export { Scheduler, type StopReason, type LoopFailure, type ScheduleOptions, type QueuedEvent } from './loop/scheduler.js';
export { EventHeap } from './loop/heap.js';
export { Signal } from './loop/signal.js';
export { Trace, canonicalJson, traceLine, type TraceEvent, type TraceDetails, type TraceValue, type TraceOptions } from './loop/trace.js';
export { deviceStreamLabel, linkStreamLabel, hostStreamLabel, type RandomStream } from './loop/random.js';
export { Task, TaskContext, type TaskFn, type TaskResult, type TaskStatus, type TaskHost, type WaitResult, type Falsy } from './loop/task.js';
export {
  Simulation,
  EmulatedDevice,
  type SimulationOptions,
  type AddDeviceOptions,
  type SpawnOptions,
  type RunResult,
} from './loop/simulation.js';
export {
  Network,
  Host,
  Link,
  LinkDirection,
  NetworkFaults,
  DEFAULT_LINK_OPTIONS,
  type LinkOptions,
  type ResolvedLinkOptions,
  type WireSegment,
  type DropReason,
} from './net/network.js';
export {
  TcpStack,
  Tcb,
  Listener,
  TCP_TRANSITIONS,
  nextState,
  tcpStateDiagram,
  defaultTransportOptions,
  type TcpState,
  type TcpEvent,
  type TransportOptions,
  type TcpHost,
} from './net/tcp.js';
export {
  encodeSegment,
  decodeSegment,
  verifySegmentChecksum,
  parseIpv4,
  formatIpv4,
  flagNames,
  flagObject,
  SegmentDecodeError,
  TCP_FIN,
  TCP_SYN,
  TCP_RST,
  TCP_PSH,
  TCP_ACK,
  IPV4_HEADER_BYTES,
  TCP_HEADER_BYTES,
  TCPIP_HEADER_BYTES,
  IPPROTO_TCP,
  type Segment,
} from './net/segment.js';
export { StreamSocket, NO_OWNER, type RecvResult, type SocketOwner } from './net/socket.js';
export * from './net/winsock.js';
// --- Scenarios, programs and the real-time bridge (the `cesim` command's building blocks). ---
export {
  runScenario,
  loadScenario,
  validateScenario,
  applyOverrides,
  builtinScenarios,
  ScenarioError,
  SCENARIOS_DIR,
  DEFAULT_SCENARIO,
  ensureSchannel,
  type Scenario,
  type LoadedScenario,
  type RunOptions,
  type RunOutcome,
  type RunSummary,
  type ProgramSummary,
  type DeviceSummary,
  type AssertionSpec,
  type MemoryBudgetSpec,
  type AssertionResult,
  evaluateBudget,
  baselineOf,
  type Baseline,
} from './scenario/index.js';
export {
  BUILTIN_PROGRAMS,
  TlsSession,
  tlsClientExchange,
  tlsServerExchange,
  type ProgramDefinition,
  type ProgramRunContext,
  type ProgramOutcome,
  type ByteStream,
  type ProgramHost,
} from './programs/index.js';
