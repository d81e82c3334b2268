import { checkRequestTarget } from '../core/request-target';
import { GatehouseError } from '../errors';
import type { Stage } from './exchange';

/**
 * Stage: check the request target before anything reads it.
 * Rules: a target that could resolve upstream to another path than the one judged (dot segments,
 * encoded separators, `\`, `//`, control characters, bad percent-encoding; see
 * core/request-target.ts) is refused with 400 ERR_REQUEST_PATH. What passes is kept in its normal
 * form on the exchange, and routing, policy, audit and the forwarder use that and never req.url.
 */
export function checkTarget(): Stage {
  return (x) => {
    const target = checkRequestTarget(x.req.url ?? '');
    if (!target.ok) throw new GatehouseError(400, 'ERR_REQUEST_PATH', `The request path is refused: it contains ${target.reason}.`);
    x.path = target.path;
    x.query = target.query;
  };
}
