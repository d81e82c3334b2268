import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CompactRange, consistencyProof, inclusionProof, leafHash, merkleRoot, nodeHash, rangeHashOf, verifyConsistency, verifyInclusion,
} from '../../../../gateway/core/audit/merkle';

// The RFC 6962 / Certificate Transparency reference tree (the eight leaf inputs, the roots of its
// prefixes and known proofs), as published with transparency-dev/merkle's proof tests.
const h = (s: string) => Buffer.from(s, 'hex');
const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const leaves = inputs.map(leafHash);
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(h);
// [leaf (1-based), tree size, path]
const inclusionVectors: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [2, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
// [size1, size2, proof]
const consistencyVectors: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

/** MTH straight from the RFC's recursive definition: the reference the iterative code is held to. */
function mthByDefinition(d: Buffer[]): Buffer {
  if (d.length === 0) return createHash('sha256').digest();
  if (d.length === 1) return d[0];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(mthByDefinition(d.slice(0, k)), mthByDefinition(d.slice(k)));
}

/** Every proof with one byte changed, a node removed, added or swapped. */
function corruptions(proof: Buffer[]): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i < proof.length; i++) {
    for (const pos of [0, 13, 31]) {
      const p = proof.map((x) => Buffer.from(x));
      p[i][pos] ^= 0x10;
      out.push(p);
    }
  }
  if (proof.length) out.push(proof.slice(0, -1), proof.slice(1), [...proof, proof[0]], [proof[0], ...proof]);
  if (proof.length > 1) out.push([proof[1], proof[0], ...proof.slice(2)]);
  return out;
}

describe('core/audit/merkle (RFC 9162 §2.1)', () => {
  it('the roots of every prefix of the reference tree, from the compact range and by definition', () => {
    const range = new CompactRange();
    assert.equal(merkleRoot([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (let n = 1; n <= 8; n++) {
      range.push(leaves[n - 1]);
      assert.equal(range.root().toString('hex'), roots[n - 1].toString('hex'), `size ${n}`);
      assert.equal(mthByDefinition(leaves.slice(0, n)).toString('hex'), roots[n - 1].toString('hex'));
    }
  });

  it('generates the reference inclusion proofs, and they verify', () => {
    for (const [leaf, size, path] of inclusionVectors) {
      const proof = inclusionProof(leaf - 1, size, rangeHashOf(leaves));
      assert.deepEqual(proof.map((p) => p.toString('hex')), path, `leaf ${leaf} of ${size}`);
      assert.ok(verifyInclusion(leaf - 1, size, leaves[leaf - 1], proof, roots[size - 1]));
    }
  });

  it('generates the reference consistency proofs, and they verify', () => {
    for (const [m, n, path] of consistencyVectors) {
      const proof = consistencyProof(m, n, rangeHashOf(leaves));
      assert.deepEqual(proof.map((p) => p.toString('hex')), path, `${m} -> ${n}`);
      assert.ok(verifyConsistency(m, n, roots[m - 1], roots[n - 1], proof));
    }
  });

  it('refuses the reference proofs once corrupted, or with the wrong index, size, leaf or root', () => {
    for (const [leaf, size, path] of inclusionVectors) {
      const proof = path.map(h);
      const i = leaf - 1;
      for (const bad of corruptions(proof)) assert.equal(verifyInclusion(i, size, leaves[i], bad, roots[size - 1]), false);
      for (const [j, n] of [[i - 1, size], [i + 1, size], [i ^ 2, size], [i, size * 2], [i, Math.floor(size / 2)]]) {
        if (j !== i || n !== size) assert.equal(verifyInclusion(j, n, leaves[i], proof, roots[size - 1]), false, `${j}/${n}`);
      }
      assert.equal(verifyInclusion(i, size, leafHash(Buffer.from('WrongLeaf')), proof, roots[size - 1]), false);
      assert.equal(verifyInclusion(i, size, leaves[i], proof, merkleRoot([])), false);
    }
    for (const [m, n, path] of consistencyVectors.filter(([, , p]) => p.length)) {
      const proof = path.map(h);
      for (const bad of [...corruptions(proof), []]) assert.equal(verifyConsistency(m, n, roots[m - 1], roots[n - 1], bad), false);
      for (const [a, b] of [[m - 1, n], [m + 1, n], [m ^ 2, n], [m, n * 2], [m, Math.floor(n / 2)]]) {
        if (a > 0 && (a !== m || b !== n)) assert.equal(verifyConsistency(a, b, roots[m - 1], roots[n - 1], proof), false, `${a}->${b}`);
      }
      assert.equal(verifyConsistency(m, n, roots[n - 1], roots[m - 1], proof), false, 'swapped roots');
    }
  });

  it('the trivial consistency cases: 0 -> n and n -> n take an empty proof only', () => {
    assert.ok(verifyConsistency(0, 5, roots[0], roots[4], []));
    assert.ok(verifyConsistency(3, 3, roots[2], roots[2], []));
    assert.equal(verifyConsistency(3, 3, roots[2], roots[3], []), false);
    assert.equal(verifyConsistency(3, 3, roots[2], roots[2], [roots[0]]), false);
    assert.equal(verifyConsistency(2, 1, roots[1], roots[0], []), false);
  });

  it('every inclusion and consistency proof of trees up to 40 leaves verifies (against MTH by definition)', () => {
    const many = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i, i * 7])));
    const mth = rangeHashOf(many);
    for (let n = 1; n <= many.length; n++) {
      const root = mthByDefinition(many.slice(0, n));
      for (let i = 0; i < n; i++) assert.ok(verifyInclusion(i, n, many[i], inclusionProof(i, n, mth), root), `${i} in ${n}`);
      for (let m = 1; m <= n; m++) assert.ok(verifyConsistency(m, n, mthByDefinition(many.slice(0, m)), root, consistencyProof(m, n, mth)), `${m}->${n}`);
    }
  });

  it('a compact range serializes, resumes and names its own subtrees (a consistency proof from its size)', () => {
    const many = Array.from({ length: 23 }, (_, i) => leafHash(Buffer.from([i])));
    const range = new CompactRange();
    for (const l of many.slice(0, 13)) range.push(l);
    const resumed = CompactRange.fromHex(range.size, range.frontier());
    assert.equal(resumed.frontier().length, 3); // 13 = 8 + 4 + 1
    for (const l of many.slice(13)) resumed.push(l);
    assert.equal(resumed.root().toString('hex'), mthByDefinition(many).toString('hex'));
    assert.deepEqual(range.subtree(8, 12), mthByDefinition(many.slice(8, 12)));
    assert.equal(range.subtree(0, 4), undefined);
    // A proof from 13 built from the range and the newer leaves only equals the full one.
    const fromRange = consistencyProof(13, 23, (a, b) => range.subtree(a, b) ?? merkleRoot(many.slice(a, b).filter((_, i) => a + i >= 13)));
    assert.deepEqual(fromRange, consistencyProof(13, 23, rangeHashOf(many)));
    assert.throws(() => CompactRange.fromHex(13, range.frontier().slice(1)), RangeError);
  });
});
