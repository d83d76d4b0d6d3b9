// A real OpenID Provider on loopback for the browser tests: panva's
// oidc-provider (pinned in package-lock.json) with its development sign-in
// pages, where any login is a person of that subject. One client: the app
// at APP_URL, with a secret, the authorization code flow and PKCE.
//   OIDC_PORT=9400 APP_URL=http://127.0.0.1:3000 CLIENT_SECRET=… node oidc-provider.mjs
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const app = process.env.APP_URL;
const secret = process.env.CLIENT_SECRET;
if (!port || !app || !secret) {
  console.error('OIDC_PORT, APP_URL and CLIENT_SECRET are required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'casework',
      client_secret: secret,
      redirect_uris: [`${app}/auth/callback`],
      post_logout_redirect_uris: [`${app}/`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    return { accountId: id, claims: async () => ({ sub: id }) };
  },
});
// Quiet: the tests read what the browser shows.
provider.on('server_error', (_ctx, err) => console.error(`oidc-provider: ${err.message}`));
provider.listen(port, '127.0.0.1', () => console.log(`OpenID Provider at ${issuer}`));
