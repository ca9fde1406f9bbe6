/** What an identity is: a person, or a non-person entity (NPE). */
export const IDENTITY_KINDS = ['person', 'service', 'bot', 'ai_agent', 'device'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export const USER_TYPES = ['government', 'contractor', 'non_person', 'other'] as const;
export type UserType = (typeof USER_TYPES)[number];

export function isNonPerson(kind: IdentityKind): boolean {
  return kind !== 'person';
}
