// A real OpenID Connect provider (panva/oidc-provider, OpenID Certified) on loopback for credo's
// tests. Machines get tokens from the client credentials grant as JWT access tokens (RFC 9068):
// signed by the provider's own keys, with its real iss, aud (the resource indicator) and sub (the
// client id). People sign in for `credo login oidc` as a native app (RFC 8252): authorization
// code with PKCE, redirected to a loopback port, at the provider's own sign-in and consent pages
// (its devInteractions: any login name with a non-empty password, which becomes the ID token's
// sub). Usage: PORT=NNNN node server.js; ready when /.well-known/openid-configuration answers.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

// Fresh signing keys for every run: one RSA, one EC (P-256).
function signingKey(type, options, alg) {
  const jwk = generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomUUID(), alg, use: 'sig' };
}

const secret = 'credo-test-secret-credo-test-secret';
const client = (id, extra = {}) => ({
  client_id: id,
  client_secret: secret,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  ...extra,
});

// Claims this IdP adds to a client's tokens: AWS session tags and authentication methods.
const extraClaims = {
  'tagged-runner': {
    'https://aws.amazon.com/tags': {
      principal_tags: { Project: ['Automation'], Team: ['Platform'] },
      transitive_tag_keys: ['Project'],
    },
    amr: ['pwd', 'mfa'],
  },
};

// The CLI as real IdPs register it: a public native client (no secret, so PKCE is required),
// whose loopback redirect URI matches on any port (RFC 8252 section 7.3; oidc-provider, Okta,
// Auth0, Keycloak and Google all ignore the port of an http://127.0.0.1 redirect for native apps).
const cli = (id) => ({
  client_id: id,
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/callback'],
});

const provider = new Provider(issuer, {
  clients: [
    client('ci-runner'),
    client('tagged-runner'),
    client('es-runner', { token_endpoint_auth_method: 'client_secret_post' }),
    cli('credo-cli'),
  ],
  jwks: {
    keys: [
      signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
      signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
    ],
  },
  // The signed-in person's login name is the account id, and the ID token's sub.
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Machines' tokens are for credo's STS by default; the CLI's code flow asks for no resource.
      defaultResource: (ctx, client) => (client.grantTypeAllowed('client_credentials') ? 'urn:credo:sts' : undefined),
      // The token's aud is the resource; "urn:aud:X" asks for the audience X (e.g. sts.amazonaws.com).
      getResourceServerInfo: (ctx, resource, requester) => ({
        scope: '',
        audience: resource.startsWith('urn:aud:') ? resource.slice('urn:aud:'.length) : resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: requester.clientId === 'es-runner' ? 'ES256' : 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (ctx, token) => extraClaims[token.clientId],
  ttl: { ClientCredentials: 600 },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
