import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SessionFlag, UserType, type Module, type Session, type Slot } from 'graphene-pk11';
import { hsmError, pkcs11Code, reason } from './errors.ts';
import { acquireModule, releaseModule } from './module.ts';

/** Where a token is and how to log in to it. */
export interface TokenTarget {
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
}

/** A session on a logged-in token; release it once (the last release on a token logs out). */
export interface TokenSession {
  readonly session: Session;
  release(): void;
}

interface LoggedInToken {
  readonly slot: Slot;
  readonly salt: Buffer;
  readonly pinCheck: Buffer;
  users: number;
}

// PKCS#11 login state belongs to the token, shared by every session of this process: the token is logged in
// once, and later opens are held to the same PIN by comparing a salted MAC of it (the PIN itself is not kept).
const tokens = new Map<string, LoggedInToken>();

function pinMac(salt: Buffer, pin: string): Buffer {
  return createHmac('sha256', salt).update(pin, 'utf8').digest();
}

function findSlot(module: Module, target: TokenTarget): Slot {
  const labels: string[] = [];
  for (const slot of module.getSlots(true)) {
    const label = slot.getToken().label;
    if (label === target.tokenLabel) return slot;
    labels.push(label);
  }
  const known = labels.length > 0 ? `tokens present: ${labels.join(', ')}` : 'no token is present';
  throw hsmError('tokenLabel', `no PKCS#11 token labelled "${target.tokenLabel}" in ${target.module} (${known})`);
}

function login(session: Session, target: TokenTarget): void {
  try {
    session.login(target.pin, UserType.USER);
  } catch (cause) {
    const code = pkcs11Code(cause);
    if (code === 'CKR_USER_ALREADY_LOGGED_IN') return;
    if (code === 'CKR_PIN_LOCKED') throw hsmError('pin', `the user PIN of token "${target.tokenLabel}" is locked`, cause);
    const refused = code === 'CKR_PIN_INCORRECT' || code === 'CKR_PIN_LEN_RANGE' || code === 'CKR_PIN_INVALID';
    const message = refused ? `token "${target.tokenLabel}" refused the user PIN` : `cannot log in to token "${target.tokenLabel}": ${reason(cause)}`;
    throw hsmError('pin', message, cause);
  }
}

function checkPin(token: LoggedInToken, target: TokenTarget): void {
  if (timingSafeEqual(pinMac(token.salt, target.pin), token.pinCheck)) return;
  throw hsmError('pin', `token "${target.tokenLabel}" refused the user PIN`);
}

function openSession(slot: Slot, write: boolean, target: TokenTarget): Session {
  try {
    return slot.open(SessionFlag.SERIAL_SESSION | (write ? SessionFlag.RW_SESSION : 0));
  } catch (cause) {
    throw hsmError('tokenLabel', `cannot open a session on token "${target.tokenLabel}": ${reason(cause)}`, cause);
  }
}

function logIn(module: Module, target: TokenTarget, write: boolean): { session: Session; token: LoggedInToken } {
  const slot = findSlot(module, target);
  const session = openSession(slot, write, target);
  try {
    login(session, target);
  } catch (error) {
    session.close();
    throw error;
  }
  const salt = randomBytes(32);
  return { session, token: { slot, salt, pinCheck: pinMac(salt, target.pin), users: 0 } };
}

function join(key: string, module: Module, target: TokenTarget, write: boolean): { session: Session; token: LoggedInToken } {
  const token = tokens.get(key);
  if (!token) return logIn(module, target, write);
  checkPin(token, target);
  return { session: openSession(token.slot, write, target), token };
}

function releaser(key: string, moduleId: string, session: Session, token: LoggedInToken): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    token.users -= 1;
    if (token.users === 0) tokens.delete(key);
    try {
      if (token.users === 0) session.logout();
    } catch {
      // closing the last session logs out as well
    } finally {
      session.close();
      releaseModule(moduleId);
    }
  };
}

/** Opens a (read-write when `write`) session on the token with that label, logged in as the user. */
export function openTokenSession(target: TokenTarget, write: boolean): TokenSession {
  const { module, id } = acquireModule(target.module);
  const key = `${id}\u0000${target.tokenLabel}`;
  let opened: { session: Session; token: LoggedInToken };
  try {
    opened = join(key, module, target, write);
  } catch (error) {
    releaseModule(id);
    throw error;
  }
  opened.token.users += 1;
  tokens.set(key, opened.token);
  return { session: opened.session, release: releaser(key, id, opened.session, opened.token) };
}
