/**
 * Checks of text that names a person or reaches a certificate, a token or a terminal. Stored values are checked on
 * input, so what muster later encodes (certificate subjects, ID token claims, SCIM and LDAP attributes) is checked text.
 */

/** C0 controls (tab and line breaks included: no attribute is multi-line), DEL and the C1 controls. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
/** Bidirectional controls (Unicode UAX #9), which can make a name display as another ("Trojan Source"). */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Other invisible format characters (zero-width joiners and spaces, the byte-order mark, soft hyphens…). */
const FORMAT = /\p{Cf}/u;
/** A person's name: letters and marks of any script, digits, spaces, and the punctuation names carry. */
const NAME_CHARACTERS = /^[\p{L}\p{M}0-9 '’.,-]+$/u;
/** The scripts a word may not mix with Latin: the look-alikes of Unicode TR #39 (Cyrillic "о" for Latin "o"). */
const LOOKALIKE_SCRIPTS = [/\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u];
const LATIN = /\p{Script=Latin}/u;
/** RFC 5322 §3.4.1 addr-spec in its dot-atom form, ASCII only, with a DNS host name (RFC 1035 labels) as its domain. */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const ADDR_SPEC = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@${LABEL}(?:\\.${LABEL})*\\.[A-Za-z]{2,63}$`);
const MAX_LOCAL_PART = 64;

/** Printable ASCII only: none of the characters the checks below look for, and no letter of another script. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
/** NAME_CHARACTERS within printable ASCII. */
const ASCII_NAME_CHARACTERS = /^[A-Za-z0-9 '.,-]+$/;

/** Why `value` may not be stored as text at all (control, bidirectional or invisible characters), or undefined. */
export function unsafeTextProblem(value: string): string | undefined {
  if (PRINTABLE_ASCII.test(value)) return undefined;
  if (CONTROL.test(value)) return 'contains control characters';
  if (BIDI.test(value)) return 'contains a bidirectional control character (U+202E and the like), which can make it display as something else';
  if (FORMAT.test(value)) return 'contains an invisible formatting character (zero-width space or joiner, byte-order mark, soft hyphen)';
  return undefined;
}

/** A word that mixes Latin letters with look-alike letters of another script. */
function mixesScripts(word: string): boolean {
  return LATIN.test(word) && LOOKALIKE_SCRIPTS.some((script) => script.test(word));
}

/** Why `value` is not a person's name (characters names do not hold, or a word mixing look-alike scripts), or undefined. */
export function nameProblem(value: string): string | undefined {
  const ascii = PRINTABLE_ASCII.test(value);
  if (!(ascii ? ASCII_NAME_CHARACTERS : NAME_CHARACTERS).test(value)) return "may hold letters, digits, spaces and ' ’ . , - only";
  if (ascii) return undefined;
  const mixed = value.split(/[\s,.'’-]+/u).find(mixesScripts);
  return mixed === undefined ? undefined : `mixes Latin letters with look-alike letters of another script in '${mixed}'`;
}

/** Why `value` is not an email address (RFC 5322 addr-spec, dot-atom form, ASCII, host-name domain), or undefined. */
export function emailProblem(value: string): string | undefined {
  if (!ADDR_SPEC.test(value)) return "is not an email address (RFC 5322 addr-spec: local-part@domain, ASCII letters, digits and !#$%&'*+/=?^_`{|}~- in the local part)";
  if ((value.split('@')[0] ?? '').length > MAX_LOCAL_PART) return `has a local part longer than ${MAX_LOCAL_PART} characters (RFC 5321 §4.5.3.1.1)`;
  return undefined;
}

/** `value` with control, bidirectional and invisible characters shown as `\u{…}` escapes, for terminals and logs. */
export function escapeForDisplay(value: string): string {
  return value.replace(/[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\p{Cf}]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}
