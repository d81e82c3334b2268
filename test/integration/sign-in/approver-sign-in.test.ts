import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { AdminApiError, AdminClient } from '../../../extension/admin/admin-client';
import { deviceSignIn, discoverSignIn, loopbackSignIn, refreshSignIn, revokeSignIn, type SignInTokens } from '../../../extension/auth/oidc-sign-in';
import { parseSignInDocument, signInDocumentPath } from '../../../extension/auth/sign-in-document';
import { SessionRefresher } from '../../../extension/auth/session-refresher';
import { refreshFailure } from '../../../extension/auth/token-timing';
import type { SignInDocument } from '../../../gateway/core/admin-api';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { signInApproverIdentity, startSignInProvider } from '../../builders/sign-in-gateway';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { completeLogin } from '../../helpers/oidc-login';
import type { TestOidcProvider } from '../../helpers/oidc-provider';

const spec: Spec = {
  rules: [
    { id: 'frontier-needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers: { groups: ['ml-leads'] }, timeout: '30s' } },
    { id: 'allow-rest', action: 'allow' },
  ],
};

/**
 * The extension's sign-in, outside VS Code: the protocol modules it runs (extension/auth) against
 * a real identity provider (oidc-provider, with its development login and consent pages driven
 * headlessly) and a real gateway whose admin API advertises the client and verifies the tokens.
 */
describe('approver sign-in (openid-client against oidc-provider, tokens used on the admin API)', function () {
  this.timeout(60_000);
  let idp: TestOidcProvider;
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let dir: string;
  let doc: SignInDocument;
  let config: oidc.Configuration;

  let portProxy: PortProxy;

  before(async () => {
    portProxy = await startPortProxy();
    // The deployment registered its editor proxy's redirects (see the port proxy test below).
    idp = await startSignInProvider({ alice: ['ml-leads'], mallory: ['contractors'] }, { redirectUriPatterns: [new RegExp(`^${portProxy.origin.replace(/\./g, '\\.')}/proxy/\\d+/callback$`)] });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-sign-in-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      upstreams: [{ name: 'fake', url: upstream.url }],
      policy: { paths: ['team.policy.yaml'], watch: false },
      approvals: { approverIdentity: signInApproverIdentity(idp) },
    }, { configDir: dir });
    const res = await fetch(gateway.adminUrl + signInDocumentPath);
    assert.equal(res.status, 200);
    doc = parseSignInDocument(await res.json());
    config = await discoverSignIn(doc);
  });
  after(async () => {
    await portProxy?.close();
    await gateway?.close();
    await upstream?.stop();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Device flow: the "browser" opens verification_uri_complete and logs in as `login`. */
  async function signInWithDevice(login: string): Promise<SignInTokens> {
    let browser: Promise<unknown> | undefined;
    const tokens = await deviceSignIn(config, doc, (prompt) => {
      assert.match(prompt.userCode, /\S/);
      browser = completeLogin(prompt.verificationUriComplete ?? prompt.verificationUri, login);
    });
    const { page } = (await browser) as { page: string };
    assert.match(page, /Sign-in Success|success/i, 'the provider\'s device flow success page');
    return tokens;
  }

  /** Authorization code + PKCE: the "browser" logs in as `login` and follows the redirect to the loopback listener. */
  async function signInWithLoopback(login: string, onUrl?: (url: URL) => void): Promise<SignInTokens> {
    return loopbackSignIn(config, doc, async (url) => {
      onUrl?.(url);
      const { redirect } = await completeLogin(url.href, login, { stopAt: url.searchParams.get('redirect_uri')! });
      void fetch(redirect!).then((r) => r.text());
    }, { timeoutMs: 30_000 });
  }

  const approvalsAs = (t: SignInTokens) => new AdminClient(gateway.adminUrl, t.accessToken).pendingApprovals();

  it('advertises the client: issuer, client id, scopes, grants and resource', () => {
    assert.deepEqual(doc, {
      issuer: idp.issuer, clientId: 'gatehouse-vscode', scopes: ['openid', 'offline_access', 'approve'],
      grants: ['authorization_code', 'device_code'], resource: 'urn:gatehouse:admin',
    });
  });

  it('signs in with the device authorization grant (RFC 8628); the admin API accepts the token', async () => {
    const tokens = await signInWithDevice('alice');
    assert.equal(tokens.account.label, 'alice');
    assert.ok(tokens.refreshToken, 'offline_access gave a refresh token');
    assert.ok(tokens.expiresAt && tokens.expiresAt > tokens.obtainedAt);
    assert.deepEqual(await approvalsAs(tokens), []);
  });

  it('signs in with the authorization code and PKCE through a loopback redirect on 127.0.0.1', async () => {
    let sent: URL | undefined;
    const tokens = await signInWithLoopback('alice', (url) => (sent = url));
    assert.match(sent!.searchParams.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(sent!.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(sent!.searchParams.get('prompt'), 'consent');
    assert.equal(tokens.account.label, 'alice');
    assert.ok(tokens.refreshToken);
    assert.deepEqual(await approvalsAs(tokens), []);
  });

  it('refreshes: a new access token the admin API accepts', async () => {
    const first = await signInWithLoopback('alice');
    const next = await refreshSignIn(config, doc, first.refreshToken!, first.account);
    assert.notEqual(next.accessToken, first.accessToken);
    assert.deepEqual(next.account, first.account);
    assert.ok(next.refreshToken);
    assert.deepEqual(await approvalsAs(next), []);
  });

  it('a refresh token the provider no longer honours (revoked, expired) asks for a new sign-in', async () => {
    const first = await signInWithLoopback('alice');
    await revokeSignIn(config, first.refreshToken!);
    const err = await refreshSignIn(config, doc, first.refreshToken!, first.account).then(() => undefined, (e: unknown) => e);
    assert.ok(err, 'the refresh failed');
    assert.equal(refreshFailure(err), 'sign-in');
  });

  /**
   * A refresher on `tokens` as if they expired 2 s from now (refresh due 1.5 s from now, a quarter
   * of the lifetime before); resolves with what it reported, and when it started refreshing.
   */
  function watchNearExpiry(tokens: SignInTokens): Promise<{ refreshed?: SignInTokens; ended?: string; startedAt?: number; expiresAt: number }> {
    const now = Date.now();
    const expiresAt = now + 2000;
    let startedAt: number | undefined;
    return new Promise((resolve) => {
      const refresher = new SessionRefresher({
        config: async () => ((startedAt ??= Date.now()), config),
        refreshed: (next) => { refresher.dispose(); resolve({ refreshed: next, startedAt, expiresAt }); },
        ended: (reason) => { refresher.dispose(); resolve({ ended: reason, startedAt, expiresAt }); },
        log: () => {},
      });
      refresher.watch({ doc, tokens: { ...tokens, obtainedAt: now, expiresAt } });
    });
  }

  it('the session refresher refreshes an access token before it expires', async () => {
    const first = await signInWithLoopback('alice');
    const { refreshed, ended, startedAt, expiresAt } = await watchNearExpiry(first);
    assert.equal(ended, undefined);
    assert.ok(refreshed);
    assert.ok(startedAt! < expiresAt, 'the refresh started before the (pretended) expiry');
    assert.notEqual(refreshed.accessToken, first.accessToken);
    assert.deepEqual(await approvalsAs(refreshed), []);
  });

  it('the session refresher ends the session when the provider refuses the refresh token', async () => {
    const first = await signInWithLoopback('alice');
    await revokeSignIn(config, first.refreshToken!);
    const { refreshed, ended } = await watchNearExpiry(first);
    assert.equal(refreshed, undefined);
    assert.match(String(ended), /grant request is invalid|invalid_grant/);
  });

  it('a user outside the approver groups signs in but is refused by the admin API with 403, saying why', async () => {
    const tokens = await signInWithDevice('mallory');
    const err = await approvalsAs(tokens).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AdminApiError);
    assert.deepEqual([err.status, err.code], [403, 'ERR_ADMIN_NOT_APPROVER']);
    assert.match(err.message, /^mallory \(groups contractors\) is signed in but is not an approver on this gateway/);
  });

  it('a loopback redirect through a port proxy (asExternalUri in code-server): the proxy\'s URL is the redirect_uri sent and the one the code is exchanged with', async () => {
    let sent: URL | undefined;
    let listener: URL | undefined;
    const tokens = await loopbackSignIn(config, doc, async (url) => {
      sent = url;
      const { redirect } = await completeLogin(url.href, 'alice', { stopAt: url.searchParams.get('redirect_uri')! });
      // The browser follows the redirect to the proxy, which passes it to the listener.
      void fetch(redirect!).then((r) => r.text());
    }, {
      timeoutMs: 30_000,
      // As code-server's asExternalUri: http://127.0.0.1:<listener port>/callback → <origin>/proxy/<listener port>/callback.
      externalRedirect: async (loopback) => {
        listener = loopback;
        return new URL(`${portProxy.origin}/proxy/${loopback.port}${loopback.pathname}`);
      },
    });
    assert.match(listener!.href, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(sent!.searchParams.get('redirect_uri'), `${portProxy.origin}/proxy/${listener!.port}/callback`);
    assert.equal(portProxy.forwarded, 1, 'the authorization response came through the proxy');
    assert.equal(tokens.account.label, 'alice');
    assert.deepEqual(await approvalsAs(tokens), []);
  });

  it('a loopback sign-in that never comes back gives up at its time bound and closes the listener', async () => {
    let redirectUri = '';
    const err = await loopbackSignIn(config, doc, async (url) => void (redirectUri = url.searchParams.get('redirect_uri')!), { timeoutMs: 200 }).then(() => undefined, (e: unknown) => e as Error);
    assert.match(String(err?.message), /No sign-in arrived within/);
    await assert.rejects(fetch(redirectUri), 'nothing listens there any more');
  });
});

interface PortProxy {
  readonly origin: string;
  /** Requests passed on to a loopback port. */
  readonly forwarded: number;
  close(): Promise<void>;
}

/** A path proxy like code-server's: GET /proxy/<port>/<path> is sent on to 127.0.0.1:<port>/<path>, the prefix stripped. */
async function startPortProxy(): Promise<PortProxy> {
  let forwarded = 0;
  const server = createServer((req, res) => {
    const m = /^\/proxy\/(\d+)(\/.*)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    forwarded++;
    const upstream = request({ host: '127.0.0.1', port: Number(m[1]), path: m[2], method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get forwarded() { return forwarded; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
