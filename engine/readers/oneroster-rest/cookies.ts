/**
 * Cookies a SIS sets, replayed to that same origin only. Aeries answers its token request with
 * load-balancer cookies (ASP.NET_SessionId, ARRAffinity) that must come back on every later call
 * (reference oneroster-vendors.md §3.4); other servers set none and the jar stays empty.
 */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  /** Keeps the `Set-Cookie`s of an answer from `url`. */
  take(url: string, headers: Headers): void {
    const set = headers.getSetCookie();
    if (set.length === 0) return;
    const origin = new URL(url).origin;
    let jar = this.byOrigin.get(origin);
    if (!jar) this.byOrigin.set(origin, (jar = new Map()));
    for (const cookie of set) {
      const pair = cookie.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  /** The `Cookie` header for a request to `url`, or null. */
  header(url: string): string | null {
    const jar = this.byOrigin.get(new URL(url).origin);
    if (!jar || jar.size === 0) return null;
    return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
