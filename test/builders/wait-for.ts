import type { EventBus, GatewayEventName, GatewayEvents } from '../../gateway/events';

/** Polls a condition until it holds or the deadline passes (then throws with the label). */
export async function waitFor(condition: () => boolean, label: string, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The next event of that name (optionally matching), or a rejection after the deadline. */
export function nextEvent<K extends GatewayEventName>(
  events: EventBus,
  name: K,
  match: (p: GatewayEvents[K]) => boolean = () => true,
  deadlineMs = 5000,
): Promise<GatewayEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for event ${name}`));
    }, deadlineMs);
    const off = events.on(name, (p) => {
      if (!match(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

/** Collects every event of some names until stopped. */
export function collectEvents<K extends GatewayEventName>(events: EventBus, names: K[]): { list: { name: K; payload: GatewayEvents[K] }[]; stop(): void } {
  const list: { name: K; payload: GatewayEvents[K] }[] = [];
  const offs = names.map((name) => events.on(name, (payload) => list.push({ name, payload })));
  return { list, stop: () => offs.forEach((off) => off()) };
}
