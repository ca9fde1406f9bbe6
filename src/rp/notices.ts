/**
 * Two ports of the RP: telling the subscriber about a change to their account (SP 800-217 §5.3
 * asks for notice of every bind and unbind), and the RP's own log, which keeps identifiers after
 * the account and its attributes are gone.
 */
import type { FederatedIdentifier } from './assertion.ts';

export interface SubscriberNotice {
  readonly kind: 'identifier-unbound' | 'identifier-bound';
  readonly accountId: string;
  readonly identifier: FederatedIdentifier;
  readonly reason?: string;
}

export interface SubscriberNotifier {
  notify(notice: SubscriberNotice): Promise<void> | void;
}

export interface RpLogEntry {
  readonly at: string;
  readonly event: string;
  readonly accountId?: string;
  readonly identifier?: FederatedIdentifier;
  readonly detail?: string;
}

export interface RpLog {
  record(entry: RpLogEntry): Promise<void> | void;
}

/** Keeps notices and log entries in memory, in order. */
export class MemoryRecorder implements SubscriberNotifier, RpLog {
  readonly notices: SubscriberNotice[] = [];
  readonly entries: RpLogEntry[] = [];

  notify(notice: SubscriberNotice): void {
    this.notices.push(notice);
  }

  record(entry: RpLogEntry): void {
    this.entries.push(entry);
  }
}
