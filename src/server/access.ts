/**
 * Who may use the server: the token check (`Authorization: Bearer` or `?token=`), the browser
 * `Origin` check that stops other web pages from reading a local dashboard, and the `Host`
 * check that stops DNS rebinding against a loopback server.
 *
 * @example
 * const access = new AccessPolicy(config, 4100);
 * access.check(req, url, { needsToken: true }); // undefined, or { status: 403, message }
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './server-config.ts';

/** A refusal: the HTTP status to answer with and why. */
export interface Refusal {
  status: 401 | 403;
  message: string;
}

/** Token, origin and host checks for one listening server. */
export class AccessPolicy {
  private readonly token: Buffer | undefined;
  /** Required by the routes that change the runtime: the token, or one made for this runtime when none is set. */
  private readonly operatorToken: Buffer | undefined;
  private readonly loopback: boolean;
  private origins = new Set<string>();

  constructor(
    private readonly options: {
      host: string;
      token: string | undefined;
      allowOrigins: readonly string[];
      operatorToken?: string | undefined;
    },
  ) {
    this.token = options.token === undefined ? undefined : Buffer.from(options.token);
    const operator = options.token ?? options.operatorToken;
    this.operatorToken = operator === undefined ? undefined : Buffer.from(operator);
    this.loopback = isLoopbackHost(options.host);
  }

  /** Sets the bound port, which fixes the server's own origins. */
  bound(port: number): void {
    const hosts = this.loopback
      ? ['127.0.0.1', 'localhost', '[::1]']
      : [this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host];
    this.origins = new Set([...hosts.map((host) => `http://${host}:${port}`), ...this.options.allowOrigins]);
  }

  /** Undefined when the request may go on; otherwise why not. */
  check(req: IncomingMessage, url: URL, needs: { token: boolean; origin: boolean }): Refusal | undefined {
    if (this.loopback && !this.hostIsLoopback(req.headers.host)) {
      return {
        status: 403,
        message: `Host "${req.headers.host ?? ''}" is not this loopback server's (DNS rebinding is refused)`,
      };
    }
    if (needs.origin) {
      const origin = req.headers.origin;
      if (origin !== undefined && !this.origins.has(origin)) {
        return {
          status: 403,
          message: `Origin "${origin}" is not allowed; allowed: ${[...this.origins].join(', ')} (add one with --allow-origin)`,
        };
      }
    }
    if (needs.token && this.token && !this.tokenMatches(req, url, this.token)) {
      return {
        status: 401,
        message: 'a valid token is required: send "Authorization: Bearer <token>" or add ?token=<token>',
      };
    }
    return undefined;
  }

  /**
   * Undefined when the request carries the operator token (the server's token, or the one made
   * for this runtime when none is set); a 401 otherwise, and always when there is no operator token.
   */
  checkOperator(req: IncomingMessage, url: URL): Refusal | undefined {
    if (this.operatorToken && this.tokenMatches(req, url, this.operatorToken)) return undefined;
    return {
      status: 401,
      message:
        'this action needs the server\'s token: open the dashboard with ?token=<token> (the URL thunderline start prints as "operator:") or send "Authorization: Bearer <token>"',
    };
  }

  private hostIsLoopback(host: string | undefined): boolean {
    if (host === undefined) return true; // HTTP/1.0 clients; not a browser
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
    return isLoopbackHost(name);
  }

  private tokenMatches(req: IncomingMessage, url: URL, token: Buffer): boolean {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? undefined);
    if (given === undefined) return false;
    const candidate = Buffer.from(given);
    return candidate.length === token.length && timingSafeEqual(candidate, token);
  }
}
