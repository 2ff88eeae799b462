/**
 * cesim's leaf utilities, below every layer: the one state-machine helper and the one bytes
 * utility. Every module may import this folder (through this file); it imports nothing of cesim.
 */
export { Machine, StateTable, type TableAnalysis, type TableOptions, type Transition } from './fsm.js';
export { bytesEqual, concatAll, concatBytes, fromHex, isHex, readUintBE, toHex, u16be, u24be, u32be } from './bytes.js';
