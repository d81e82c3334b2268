import type * as oidc from 'openid-client';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { refreshSignIn, type SignInTokens } from './oidc-sign-in';
import { delayUntil, refreshAt, refreshFailure } from './token-timing';

/** What the refresher needs of a session. */
export interface RefreshableSession {
  doc: SignInDocument;
  tokens: SignInTokens;
}

export interface RefreshHooks {
  /** The identity provider's configuration for the session's document (discovery, cached by the caller). */
  config(doc: SignInDocument): Promise<oidc.Configuration>;
  /** New tokens for the watched session; store them and call watch() again. */
  refreshed(tokens: SignInTokens): Promise<void> | void;
  /** The provider refused the refresh token (expired, revoked): the session is over, sign in again. */
  ended(reason: string): Promise<void> | void;
  log(message: string): void;
}

/**
 * Keeps one session's access token fresh: refreshes it before it expires (token-timing's
 * refreshAt), retries a refresh that failed for a passing reason, and reports a refresh token the
 * provider refused. No VS Code here, so it is tested against a real provider. Watching another
 * session (or none) cancels what was scheduled, and a refresh that finishes after that is dropped.
 */
export class SessionRefresher {
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(
    private readonly hooks: RefreshHooks,
    private readonly retryMs = 30_000,
  ) {}

  watch(session: RefreshableSession | undefined, at?: number): void {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    const t = session?.tokens;
    const when = at ?? (t?.refreshToken ? refreshAt(t.obtainedAt, t.expiresAt) : undefined);
    if (!session || when === undefined) return;
    this.timer = setTimeout(() => void this.refresh(session, generation), delayUntil(when, Date.now()));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.generation++;
  }

  private async refresh(s: RefreshableSession, generation: number): Promise<void> {
    try {
      const tokens = await refreshSignIn(await this.hooks.config(s.doc), s.doc, s.tokens.refreshToken!, s.tokens.account);
      if (generation === this.generation) await this.hooks.refreshed(tokens);
    } catch (e) {
      if (generation !== this.generation) return;
      if (refreshFailure(e) === 'retry') {
        this.hooks.log(`sign-in refresh failed, retrying in ${this.retryMs / 1000} s: ${(e as Error).message}`);
        return this.watch(s, Date.now() + this.retryMs);
      }
      const o = e as { error?: string; error_description?: string; message?: string };
      await this.hooks.ended(o.error_description ?? o.error ?? o.message ?? String(e));
    }
  }
}
