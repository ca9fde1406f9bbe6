/** A message to a person at the address on record. */
export interface Notification {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** Stable id: delivering the same notification twice writes it once. */
  readonly id: string;
  readonly at: Date;
}

/** The notification port: deliver one message or throw (the outbox retries). */
export interface Notifier {
  readonly name: string;
  deliver(message: Notification): Promise<void>;
}
