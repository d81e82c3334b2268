import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import { startServe, type ServeProcess } from '../../helpers/cli';
import { startPostgres, type TestPostgres } from '../../helpers/postgres';
import { EXTENSION_ID, activateGatehouse, nextEvent, waitFor } from './helpers';

/** What the test reads of the Gateway view's rows (the provider's own Row type is private). */
interface ViewRow {
  id: string;
  children?: ViewRow[];
}

const policy = (name: string, action: 'allow' | 'deny', model = 'gpt-4o') =>
  stringify({ apiVersion: 'gatehouse.dev/v1', kind: 'Policy', metadata: { name }, spec: { rules: [{ id: model, match: { models: [model] }, action }, { id: 'rest', action: 'allow' }] } });
const short = (version: string) => version.replace(/^sha256:/, '').slice(0, 12);

/**
 * The Gateway view lists the fleet's instances: two real `gatehouse serve` processes on one
 * PostgreSQL (started by the test), on different policy files; the extension is connected to
 * one of them (Connect to Gateway with its admin token). The view shows both, flags the
 * differing policy versions, and clears the flag when the other instance reloads the fleet's
 * policy (the instance.changed event on the connected instance's stream). The Policy row stays
 * the connected instance's: the other instance's reloads (and failed reloads), which reach the
 * same stream, change only the Instances row.
 */
describe('the Gateway view lists the fleet\'s instances', function () {
  this.timeout(180_000);
  let pg: TestPostgres;
  let dir: string;
  const serves: ServeProcess[] = [];
  const admin: { url: string; token: string }[] = [];

  before(async () => {
    // The runner's TMPDIR is private to root; the server runs as `postgres` (see startPostgres).
    pg = await startPostgres({ tmpRoot: os.platform() === 'linux' ? '/tmp' : undefined });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-ext-fleet-'));
    const schema = pg.freshSchema();
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'gateway.js');
    const env = { GATEHOUSE_TEST_PG_URL: pg.url, GATEHOUSE_TEST_HASH_KEY: 'fleet-test-hash-key-0123456789abcdef', ELECTRON_RUN_AS_NODE: '1' };
    for (const [name, action] of [['gw-a', 'allow'], ['gw-b', 'deny']] as const) {
      fs.writeFileSync(path.join(dir, `${name}.policy.yaml`), policy(name, action));
      fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify({
        server: { dataDir: path.join(dir, name), listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 }, instance: { name } },
        upstreams: [{ name: 'fake', url: 'http://127.0.0.1:9' }],
        policy: { paths: [`${name}.policy.yaml`], watch: false },
        masking: { hashKey: { env: 'GATEHOUSE_TEST_HASH_KEY' } },
        state: { store: 'postgres', postgres: { url: { env: 'GATEHOUSE_TEST_PG_URL' }, schema } },
      }));
      const serve = await startServe(['-c', path.join(dir, `${name}.yaml`), '--migrate'], { cli, env });
      serves.push(serve);
      admin.push({ url: serve.adminUrl, token: fs.readFileSync(path.join(dir, name, 'admin.token'), 'utf8').trim() });
    }
    const api = await activateGatehouse();
    await api.connection.connectRemote(admin[0]!.url, admin[0]!.token);
    await waitFor(() => api.connection.streamStatus === 'open', 'the admin event stream');
  });

  after(async () => {
    (await activateGatehouse()).connection.disconnect();
    await Promise.all(serves.map((s) => s.stop()));
    await pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows both instances with the differing policy versions flagged, and clears the flag when they agree', async () => {
    const api = await activateGatehouse();
    const view = api.views.gateway;
    const instancesRow = () => (view.getChildren() as ViewRow[]).find((r) => r.id === 'instances');
    const listed = await waitFor(() => (instancesRow()?.children?.length === 2 ? instancesRow() : undefined), 'two instances in the Gateway view');
    const item = view.getTreeItem(listed as never);
    assert.equal(item.label, 'Instances');
    assert.equal(item.description, '2 running · policy versions differ');
    assert.equal(item.contextValue, 'instancesPolicyDiffers');
    const children = listed.children!.map((c) => view.getTreeItem(c as never));
    assert.deepEqual(children.map((c) => c.label), ['gw-a', 'gw-b']);
    // Two instances, two versions: neither is the fleet's, both are flagged.
    assert.deepEqual(children.map((c) => c.contextValue), ['instancePolicyDiffers', 'instancePolicyDiffers']);
    assert.match(String(children[0]!.description), /^ready \(this one\) · policy [0-9a-f]{12} ≠ fleet · seen /);
    assert.match(String(children[1]!.description), /^ready · policy [0-9a-f]{12} ≠ fleet · seen /);
    assert.match(String(children[1]!.tooltip), /differs from the fleet's/);
    assert.equal((children[0]!.iconPath as vscode.ThemeIcon).id, 'warning');

    // B reloads a third policy, then fails to reload a broken one: both events reach A's stream, the
    // Instances row shows B's new version, and the Policy row still shows A's, with no reload of its own.
    const policyRow = () => view.getTreeItem((view.getChildren() as ViewRow[]).find((r) => r.id === 'policy') as never);
    const versionOfA = ((await (await fetch(`${admin[0]!.url}/admin/policy`, { headers: { authorization: `Bearer ${admin[0]!.token}` } })).json()) as { version: string }).version;
    assert.equal(policyRow().description, `version ${short(versionOfA)}`);
    const reloadB = (expected: number) => fetch(`${admin[1]!.url}/admin/policy/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin[1]!.token}` } }).then((r) => assert.equal(r.status, expected));
    fs.writeFileSync(path.join(dir, 'gw-b.policy.yaml'), policy('gw-c', 'deny', 'o3'));
    const heardB = nextEvent(api.connection.onEvent, (e) => e.name === 'policy.reloaded');
    await reloadB(200);
    const fromB = await heardB;
    assert.equal(fromB.name === 'policy.reloaded' && fromB.data.instance.name, 'gw-b', 'the event names the instance that reloaded');
    const versionOfB = fromB.name === 'policy.reloaded' ? fromB.data.version : '';
    await waitFor(() => api.info.instances?.data.find((i) => i.name === 'gw-b')?.policyVersion === versionOfB, "B's new version in the Instances row");
    assert.notEqual(versionOfB, versionOfA);
    assert.equal(policyRow().description, `version ${short(versionOfA)}`, "another instance's reload is not this one's");
    fs.writeFileSync(path.join(dir, 'gw-b.policy.yaml'), 'apiVersion: [');
    const failedB = nextEvent(api.connection.onEvent, (e) => e.name === 'policy.reload_failed');
    await reloadB(422);
    await failedB;
    assert.equal(policyRow().description, `version ${short(versionOfA)}`, "another instance's failed reload is not this one's");

    // B is given A's policy and reloads: the view follows the fleet's event, no reconnect.
    fs.writeFileSync(path.join(dir, 'gw-b.policy.yaml'), fs.readFileSync(path.join(dir, 'gw-a.policy.yaml')));
    const reload = await fetch(`${admin[1]!.url}/admin/policy/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin[1]!.token}` } });
    assert.equal(reload.status, 200);
    const agreed = await waitFor(() => (api.info.instances?.policyVersionsDiffer === false ? instancesRow() : undefined), 'the flag to clear');
    assert.equal(view.getTreeItem(agreed as never).description, '2 running');
    const after = agreed.children!.map((c) => view.getTreeItem(c as never));
    assert.deepEqual(after.map((c) => c.contextValue), ['instance', 'instance']);
    assert.equal((after[1]!.iconPath as vscode.ThemeIcon).id, 'vm-running');

    // A's own reload is the Policy row's.
    const heardA = nextEvent(api.connection.onEvent, (e) => e.name === 'policy.reloaded' && e.data.instance.name === 'gw-a');
    const reloadA = await fetch(`${admin[0]!.url}/admin/policy/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin[0]!.token}` } });
    assert.equal(reloadA.status, 200);
    await heardA;
    assert.match(String(policyRow().description), new RegExp(`^version ${short(versionOfA)} · reloaded `));
  });
});
