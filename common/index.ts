/**
 * cesim's leaf utilities, below every layer: the one state-machine helper. Every module may
 * import this folder (through this file); it imports nothing of cesim.
 */
export { Machine, StateTable, type TableAnalysis, type TableOptions, type Transition } from './fsm.js';
