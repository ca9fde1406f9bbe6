// A hostile IdP on 127.0.0.1 for the RP library's attack tests: honest discovery and keys, and a token endpoint that
// answers with whatever ID token the test forged for the next exchange.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface ForgingIdp {
  readonly issuer: string;
  /** The IdP's real signing key (published at jwks_uri under kid `idp-1`). */
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The ID token the token endpoint returns next. */
  nextIdToken: string;
  close(): Promise<void>;
}

export async function startForgingIdp(sub: string): Promise<ForgingIdp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: ForgingIdp = {
    issuer,
    privateKey,
    publicJwk,
    nextIdToken: '',
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const discovery = {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/me`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  };
  const answers: Record<string, () => unknown> = {
    '/.well-known/openid-configuration': () => discovery,
    '/jwks': () => ({ keys: [publicJwk] }),
    '/token': () => ({ access_token: 'forged-access-token', token_type: 'Bearer', expires_in: 300, id_token: idp.nextIdToken }),
    '/me': () => ({ sub }),
  };
  server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = answers[new URL(req.url ?? '/', issuer).pathname];
      if (!answer) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer()));
    });
  });
  return idp;
}
