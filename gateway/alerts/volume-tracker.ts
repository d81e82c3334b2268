export interface VolumeVerdict {
  count: number;
  /** The baseline the count was compared with (undefined before warm-up). */
  baseline?: number;
  reason: 'threshold' | 'baseline';
}

interface PrincipalVolume {
  windowIndex: number;
  count: number;
  baseline: number;
  windowsSeen: number;
}

/**
 * Requests per principal in tumbling windows, with an exponentially weighted moving average
 * of past windows as the principal's own baseline. Quiet windows count as zero, so a principal
 * that comes back after a long pause is compared with a decayed baseline.
 */
export class VolumeTracker {
  private readonly byPrincipal = new Map<string, PrincipalVolume>();
  private readonly alpha: number;

  constructor(
    private readonly o: { windowMs: number; threshold?: number; factor?: number; halfLifeWindows: number; warmupWindows: number; minRequests: number },
  ) {
    this.alpha = 1 - Math.pow(2, -1 / o.halfLifeWindows);
  }

  /** Counts one request; returns a verdict when this request takes the window over a limit. */
  hit(principal: string, now: number): VolumeVerdict | undefined {
    const index = Math.floor(now / this.o.windowMs);
    let v = this.byPrincipal.get(principal);
    if (!v) this.byPrincipal.set(principal, (v = { windowIndex: index, count: 0, baseline: 0, windowsSeen: 0 }));
    if (index > v.windowIndex) this.roll(v, index);
    v.count++;
    const { threshold, factor } = this.o;
    if (threshold !== undefined && v.count === threshold + 1) return { count: v.count, reason: 'threshold' };
    if (factor !== undefined && v.windowsSeen >= this.o.warmupWindows && v.count >= this.o.minRequests && v.count > factor * v.baseline) {
      return { count: v.count, baseline: v.baseline, reason: 'baseline' };
    }
    return undefined;
  }

  prune(now: number): void {
    const index = Math.floor(now / this.o.windowMs);
    // A principal idle long enough for its baseline to have decayed below one request is forgotten.
    const forgetAfter = Math.ceil(this.o.halfLifeWindows * 20);
    for (const [key, v] of this.byPrincipal) if (index - v.windowIndex > forgetAfter) this.byPrincipal.delete(key);
  }

  private roll(v: PrincipalVolume, index: number): void {
    const closed = index - v.windowIndex;
    v.baseline = v.windowsSeen === 0 ? v.count : v.baseline + this.alpha * (v.count - v.baseline);
    // The windows in between had no requests: each decays the baseline toward zero.
    if (closed > 1) v.baseline *= Math.pow(1 - this.alpha, closed - 1);
    v.windowsSeen += closed;
    v.windowIndex = index;
    v.count = 0;
  }
}
