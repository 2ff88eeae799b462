/**
 * The lifecycle of one security context, as a typescript-fsm machine.
 *
 * The transition table is the one place that says which call may come next; the dispatcher
 * feeds it the outcome of each call (`InitializeSecurityContext`/`AcceptSecurityContext`
 * statuses, `CompleteAuthToken`, mapping into the caller, `DeleteSecurityContext`). Source of
 * the sequences: `../shared/reference/windows-docs/InitializeSecurityContext-CE210.txt`
 * (two-leg and three-leg calling sequences; SEC_I_COMPLETE_NEEDED and
 * SEC_I_COMPLETE_AND_CONTINUE require CompleteAuthToken) and `User-Mode-Initialization.txt`
 * (MappedContext → SpInitUserModeContext).
 */

import { SyncStateMachine, t } from 'typescript-fsm';
import type { ITransition } from 'typescript-fsm';
import {
  SEC_E_OK,
  SEC_I_COMPLETE_AND_CONTINUE,
  SEC_I_COMPLETE_NEEDED,
  SEC_I_CONTINUE_NEEDED,
} from './constants.js';
import { SEC_SUCCESS } from './status.js';

/** States of a context. */
export enum ContextState {
  /** Handle allocated, no call has succeeded yet (never visible to a caller). */
  Initial = 'Initial',
  /** The handshake is in progress in the LSA (SEC_I_CONTINUE_NEEDED returned). */
  LsaContext = 'LsaContext',
  /** SEC_I_COMPLETE_NEEDED returned: CompleteAuthToken must come next. */
  CompleteNeeded = 'CompleteNeeded',
  /** SEC_I_COMPLETE_AND_CONTINUE returned: CompleteAuthToken, then another leg. */
  CompleteAndContinue = 'CompleteAndContinue',
  /** Established in the LSA; per-message calls need the context mapped. */
  Established = 'Established',
  /** Established and mapped into the caller's process (SpInitUserModeContext done). */
  MappedToUser = 'MappedToUser',
  /** DeleteSecurityContext ran; the handle is dead. */
  Deleted = 'Deleted',
}

/** Events: the outcome of a call on the context. */
export enum ContextEvent {
  /** ISC/ASC returned SEC_I_CONTINUE_NEEDED (or another continuing success such as SEC_I_INCOMPLETE_CREDENTIALS). */
  Continue = 'continue',
  /** ISC/ASC returned SEC_I_COMPLETE_NEEDED. */
  CompleteNeeded = 'completeNeeded',
  /** ISC/ASC returned SEC_I_COMPLETE_AND_CONTINUE. */
  CompleteAndContinue = 'completeAndContinue',
  /** ISC/ASC returned SEC_E_OK (or SEC_I_CONTEXT_EXPIRED after a shutdown token). */
  Ok = 'ok',
  /** CompleteAuthToken succeeded. */
  CompleteAuthToken = 'completeAuthToken',
  /** SpInitUserModeContext succeeded in the caller's process. */
  MapToUser = 'mapToUser',
  /** DeleteSecurityContext. */
  Delete = 'delete',
}

const S = ContextState;
const E = ContextEvent;
type Cb = () => void;
const noop: Cb = () => {};

/** The transition table (from, event, to). Every callback is a no-op: the dispatcher acts. */
export const CONTEXT_TRANSITIONS: readonly ITransition<ContextState, ContextEvent, Cb>[] = [
  t(S.Initial, E.Continue, S.LsaContext, noop),
  t(S.Initial, E.CompleteNeeded, S.CompleteNeeded, noop),
  t(S.Initial, E.CompleteAndContinue, S.CompleteAndContinue, noop),
  t(S.Initial, E.Ok, S.Established, noop),
  t(S.LsaContext, E.Continue, S.LsaContext, noop),
  t(S.LsaContext, E.CompleteNeeded, S.CompleteNeeded, noop),
  t(S.LsaContext, E.CompleteAndContinue, S.CompleteAndContinue, noop),
  t(S.LsaContext, E.Ok, S.Established, noop),
  // A package may map the context before the handshake ends (e.g. so that CompleteAuthToken
  // runs in the caller, as it does on Windows); the handshake state does not change.
  t(S.LsaContext, E.MapToUser, S.LsaContext, noop),
  t(S.CompleteNeeded, E.MapToUser, S.CompleteNeeded, noop),
  t(S.CompleteAndContinue, E.MapToUser, S.CompleteAndContinue, noop),
  t(S.CompleteNeeded, E.CompleteAuthToken, S.Established, noop),
  t(S.CompleteAndContinue, E.CompleteAuthToken, S.LsaContext, noop),
  t(S.Established, E.MapToUser, S.MappedToUser, noop),
  t(S.MappedToUser, E.MapToUser, S.MappedToUser, noop),
  // Post-handshake legs (Schannel shutdown/alert tokens, renegotiation) re-enter the LSA.
  t(S.Established, E.Continue, S.LsaContext, noop),
  t(S.Established, E.Ok, S.Established, noop),
  t(S.MappedToUser, E.Continue, S.LsaContext, noop),
  t(S.MappedToUser, E.Ok, S.MappedToUser, noop),
  t(S.Initial, E.Delete, S.Deleted, noop),
  t(S.LsaContext, E.Delete, S.Deleted, noop),
  t(S.CompleteNeeded, E.Delete, S.Deleted, noop),
  t(S.CompleteAndContinue, E.Delete, S.Deleted, noop),
  t(S.Established, E.Delete, S.Deleted, noop),
  t(S.MappedToUser, E.Delete, S.Deleted, noop),
];

/** A silent logger: an event with no transition is reported by `fire`'s result, not the console. */
const quiet = { error: () => {} };

/** One context's machine. */
export class ContextLifecycle extends SyncStateMachine<ContextState, ContextEvent, Record<ContextEvent, Cb>> {
  /** A machine in `Initial`. */
  constructor() {
    super(S.Initial, [...CONTEXT_TRANSITIONS], quiet);
  }
  /** Applies an event; false when the table has no such transition from the current state. */
  fire(event: ContextEvent): boolean {
    return this.syncDispatch(event);
  }
  /** The current state. */
  get state(): ContextState {
    return this.getState();
  }
}

/** The event that an ISC/ASC status is, or null for a failure (no transition: state unchanged). */
export function eventForStatus(status: number): ContextEvent | null {
  if (!SEC_SUCCESS(status)) return null;
  switch (status >>> 0) {
    case SEC_E_OK:
      return E.Ok;
    case SEC_I_CONTINUE_NEEDED:
      return E.Continue;
    case SEC_I_COMPLETE_NEEDED:
      return E.CompleteNeeded;
    case SEC_I_COMPLETE_AND_CONTINUE:
      return E.CompleteAndContinue;
    default:
      // Other successes (SEC_I_INCOMPLETE_CREDENTIALS, SEC_I_RENEGOTIATE, SEC_I_CONTEXT_EXPIRED):
      // INCOMPLETE_CREDENTIALS and RENEGOTIATE ask for another leg; CONTEXT_EXPIRED ends one.
      return status >>> 0 === 0x00090317 ? E.Ok : E.Continue;
  }
}

/** The lifecycle's Mermaid state diagram, generated from `CONTEXT_TRANSITIONS`. */
export function contextLifecycleMermaid(): string {
  return new ContextLifecycle().toMermaid('SSPI security context lifecycle');
}
