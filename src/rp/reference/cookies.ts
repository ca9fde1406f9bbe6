import type { IncomingMessage } from 'node:http';

export function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function setCookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : []), ...(maxAgeSeconds === undefined ? [] : [`Max-Age=${maxAgeSeconds}`])];
  return [`${name}=${encodeURIComponent(value)}`, ...attributes].join('; ');
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', secure, 0);
}
