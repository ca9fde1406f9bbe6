import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Notification, Notifier } from './port.ts';

/** RFC 2047 encoded-word for a header value that is not plain ASCII. */
function header(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/** The message as RFC 5322 text (CRLF lines, UTF-8 body in base64). */
export function rfc5322(message: Notification, from: string): string {
  const lines = [
    `From: ${from}`,
    `To: ${header(message.to)}`,
    `Subject: ${header(message.subject)}`,
    `Date: ${message.at.toUTCString()}`,
    `Message-ID: <${message.id}@muster>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    ...(Buffer.from(message.text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []),
    '',
  ];
  return lines.join('\r\n');
}

/**
 * Delivers into a Maildir (tmp/ then rename into new/, as the format requires), where any mail client or a
 * forwarding agent picks it up. The file name carries the notification id, so a retried delivery does not duplicate.
 */
export class MaildirNotifier implements Notifier {
  readonly name = 'maildir';
  readonly #dir: string;
  readonly #from: string;

  constructor(dir: string, from = 'muster <no-reply@muster.invalid>') {
    this.#dir = dir;
    this.#from = from;
  }

  async deliver(message: Notification): Promise<void> {
    await Promise.all(['tmp', 'new', 'cur'].map((d) => mkdir(join(this.#dir, d), { recursive: true, mode: 0o700 })));
    const file = `${message.at.getTime()}.${message.id.replace(/[^A-Za-z0-9_-]/g, '_')}.${hostname().replace(/[/:]/g, '_')}`;
    const target = join(this.#dir, 'new', file);
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      return;
    const temporary = join(this.#dir, 'tmp', file);
    await writeFile(temporary, rfc5322(message, this.#from), { mode: 0o600 });
    await rename(temporary, target);
  }
}
