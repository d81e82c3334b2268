/**
 * A headless browser for oidc-provider's development interactions: it opens a URL (an
 * authorization request, or a device flow's verification_uri_complete), keeps cookies, follows
 * redirects and submits each page's form — the login form with `login` (any password), the
 * consent form, the device code confirmation — as a person clicking Continue would. It stops at a
 * redirect to `stopAt` (a loopback redirect URI: the caller delivers it to the listener waiting
 * there) or at a page without a form (the device flow's success page). Bounded in steps.
 *
 * Example:
 *   const { redirect } = await completeLogin(authorizationUrl, 'alice', { stopAt: 'http://127.0.0.1:' });
 *   await fetch(redirect!);   // the loopback listener receives ?code=…&state=…
 */
export async function completeLogin(url: string, login: string, opts: { stopAt?: string; maxSteps?: number } = {}): Promise<{ redirect?: string; page: string }> {
  const cookies = new Map<string, string>();
  let next: { url: string; body?: URLSearchParams } | undefined = { url };
  for (let step = 0; step < (opts.maxSteps ?? 20) && next; step++) {
    const res: Response = await fetch(next.url, {
      method: next.body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: next.body,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const base: string = next.url;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const target: string = new URL(location, base).href;
      await res.arrayBuffer();
      if (opts.stopAt && target.startsWith(opts.stopAt)) return { redirect: target, page: '' };
      next = { url: target };
      continue;
    }
    const page = await res.text();
    if (res.status !== 200) throw new Error(`login: ${next.url} answered ${res.status}: ${page.slice(0, 300)}`);
    const form = firstForm(page);
    if (!form) return { page };
    if (form.fields.has('login')) {
      form.fields.set('login', login);
      form.fields.set('password', 'any');
    }
    next = { url: new URL(form.action || base, base).href, body: form.fields };
  }
  throw new Error(`login: no end after ${opts.maxSteps ?? 20} steps`);
}

/** The first POST form of a page: its action and its inputs (hidden ones with their values, others empty). */
function firstForm(html: string): { action: string; fields: URLSearchParams } | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const action = decode(/\baction="([^"]*)"/i.exec(form[1]!)?.[1] ?? '');
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[1]!)?.[1];
    if (name) fields.set(decode(name), decode(/\bvalue="([^"]*)"/i.exec(input[1]!)?.[1] ?? ''));
  }
  return { action, fields };
}

function decode(s: string): string {
  return s.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16))).replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
