/** A trust agreement document for tests: one FAL2 relying party of agency 9700, with `over` merged at the top. */
export function exampleAgreement(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Benefits portal',
    population: { agencyCodes: ['9700'] },
    idp: { issuer: 'https://idp.agency.example/oidc', home: true },
    relyingParties: [exampleRp()],
    attributes: [{ name: 'email', purpose: 'to send benefit notices' }],
    signals: [{ event: 'account-disabled', action: 'disable-account' }],
    ...over,
  };
}

/** One relying party entry; `over` replaces fields. */
export function exampleRp(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientId: 'benefits-portal',
    name: 'Benefits portal',
    redirectUris: ['https://benefits.agency.example/callback'],
    jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] },
    ...over,
  };
}
