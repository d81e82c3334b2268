import fc from 'fast-check';

/**
 * Keys and tokens in each format the masking's literal pass describes (core/masking/detectors.ts),
 * from their shortest on, one character short, and glued to what may come before them: for tests
 * that hold the pass's shortcuts (token-run windows, the trigger) to its plain scan.
 */
const pick = (chars: string, min: number, max: number) => fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(''));
const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const upperDigits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const blanks = pick(' \t', 1, 12);

export const keyToken = fc.oneof(
  fc.tuple(fc.constantFrom('Bearer', 'bearer', 'xBearer', '=Bearer'), blanks, pick(`${alnum}._~+/-`, 15, 24), pick('=', 0, 2)).map((p) => p.join('')),
  fc.tuple(pick(`${alnum}_-`, 7, 10), pick(`${alnum}_-`, 7, 10), pick(`${alnum}_-`, 15, 20)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  fc.tuple(fc.constantFrom('sk-', 'sk-proj-', 'sk-ant-api03-'), pick(`${alnum}_-`, 19, 24)).map((p) => p.join('')),
  fc.tuple(fc.constantFrom('sk_live_', 'rk_test_', 'sk_test_'), pick(alnum, 15, 18)).map((p) => p.join('')),
  pick(`${alnum}+/=`, 31, 34).map((s) => `whsec_${s}`),
  pick(`${alnum}_-`, 34, 35).map((s) => `AIza${s}`),
  fc.tuple(fc.constantFrom('xoxb-', 'xoxp-', 'xoxe.xoxp-', 'xoxe.xoxb-', 'xoxs-'), pick(`${alnum}-`, 9, 12)).map((p) => p.join('')),
  fc.tuple(fc.constantFrom('0', '1', '9'), pick(`${alnum}-`, 9, 12)).map(([d, s]) => `xapp-${d}-${s}`),
  fc.tuple(fc.constantFrom('glpat-', 'gloas-', 'glagent-', 'glft-'), pick(`${alnum}_-`, 19, 22), fc.constantFrom('', '.01.abc')).map((p) => p.join('')),
  pick(alnum, 35, 36).map((s) => `npm_${s}`),
  fc.tuple(fc.constantFrom('hf_', 'api_org_'), pick(alnum, 33, 36)).map((p) => p.join('')),
  fc.tuple(fc.constantFrom('https://', 'http://', '', 'x', ':'), fc.constantFrom('services', 'workflows', 'triggers'), pick(upperDigits, 5, 8), pick(alnum, 5, 8), pick(alnum, 6, 9))
    .map(([scheme, kind, team, a, b]) => `${scheme}hooks.slack.com/${kind}/T${team}/${a}/${b}`),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghs_', 'xghp_'), pick(alnum, 35, 37)).map((p) => p.join('')),
  pick(`${alnum}_`, 21, 23).map((s) => `github_pat_${s}`),
  fc.tuple(fc.constantFrom('AKIA', 'ASIA', 'AROA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'ASCA', 'xAKIA'), pick(upperDigits, 15, 16)).map((p) => p.join('')),
  fc.constantFrom('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----', '-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE'),
);
