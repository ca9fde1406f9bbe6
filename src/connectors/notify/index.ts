export type { Notification, Notifier } from './port.ts';
export { MaildirNotifier, rfc5322 } from './maildir.ts';
export { FanOutNotifier, WebhookNotifier } from './webhook.ts';
