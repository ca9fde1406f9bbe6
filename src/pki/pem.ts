/** The PEM certificates in a text, each with its armour, in the order they stand (none: an empty list). */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
