import assert from 'node:assert/strict';
import { clientAddress, compileTrustedProxies } from '../../../gateway/core/client-address';

describe('core/client-address', () => {
  const trusted = compileTrustedProxies(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);

  it('compiles addresses and CIDR ranges of both families', () => {
    assert.deepEqual(['10.1.2.3', '11.0.0.1', '192.0.2.7', '192.0.2.8', '2001:db8::1', '2001:db9::1', 'not-an-ip'].map(trusted), [true, false, true, false, true, false, false]);
  });

  it('refuses an entry that is neither an address nor a range', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8x', '::/129', 'loopback', '10.0.0.256', '']) {
      assert.throws(() => compileTrustedProxies([bad]), /trustedProxies: .* is not an IP address or CIDR range/, bad);
    }
  });

  const cases: [peer: string, xff: string | string[] | undefined, expected: string, why: string][] = [
    ['203.0.113.5', '198.51.100.7', '203.0.113.5', 'an untrusted peer: its header is not believed'],
    ['10.0.0.2', undefined, '10.0.0.2', 'a trusted peer without a header is the client'],
    ['10.0.0.2', '198.51.100.7', '198.51.100.7', 'a trusted peer names the client'],
    ['10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.9', '198.51.100.7', 'believed from the right while hops are trusted; the caller-written left part is not'],
    ['10.0.0.2', ['6.6.6.6', '198.51.100.7'], '198.51.100.7', 'several header fields are one list'],
    ['10.0.0.2', '10.0.0.5, 10.0.0.9', '10.0.0.5', 'every hop trusted: the leftmost'],
    ['10.0.0.2', '198.51.100.7, garbage', '10.0.0.2', 'a malformed entry stops the walk at the hop that sent it'],
    ['10.0.0.2', '198.51.100.7, 10.0.0.9, unknown', '10.0.0.2', 'also behind trusted entries'],
    ['::ffff:10.0.0.2', '198.51.100.7', '198.51.100.7', 'an IPv4-mapped peer is its IPv4 address'],
    ['::ffff:203.0.113.5', undefined, '203.0.113.5', 'and is recorded as such'],
    ['2001:db8::5', '2001:db9::1', '2001:db9::1', 'IPv6 hops'],
  ];
  for (const [peer, xff, expected, why] of cases) {
    it(why, () => assert.equal(clientAddress(peer, xff, trusted), expected));
  }

  it('trusts nobody by default', () => {
    assert.equal(clientAddress('10.0.0.2', '198.51.100.7', compileTrustedProxies([])), '10.0.0.2');
  });
});
