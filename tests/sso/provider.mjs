// The company's identity provider for the sign-in tests: panva's oidc-provider (OpenID-certified)
// on loopback, with its development login and consent forms, one static confidential client and
// a few test accounts. Usage: node provider.mjs <port> <redirect_uri>; prints "ready <issuer>".
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirectUri = process.argv[3];
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice', groups: ['staff'] },
  root: { email: 'root@example.com', email_verified: true, name: 'Root', groups: ['staff', 'admins'] },
  mallory: { email: 'victim@example.com', email_verified: false, name: 'Mallory', groups: [] },
  newcomer: { email: 'newcomer@example.com', email_verified: true, name: 'Newcomer', groups: ['staff'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'upskill',
    client_secret: 'upskill-test-client-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  conformIdTokenClaims: false, // email and groups in the ID token, as Entra ID and Okta put them
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['upskill-sso-test-cookie-key'] },
  async findAccount(ctx, id) {
    if (!ACCOUNTS[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...ACCOUNTS[id] }; } };
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => { console.log(`ready ${issuer}`); });
