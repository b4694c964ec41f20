/** Absolute (`scheme://`) or protocol-relative (`//`) URLs, as axios tells them apart. */
const absolute = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The origin of `url`: `''` for a URL relative to the page (same origin), `undefined` when it cannot
 * be told (never trusted with a token).
 */
function originOf(url: string): string | undefined {
  if (!absolute.test(url)) return '';
  try {
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    const origin = new URL(url, page).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** `fn` remembering its last argument and result. */
function lastValue(fn: (input: string) => string | undefined): (input: string) => string | undefined {
  let lastInput: string | undefined;
  let lastOutput: string | undefined;
  return (input) => {
    if (input !== lastInput) {
      lastOutput = fn(input);
      lastInput = input;
    }
    return lastOutput;
  };
}

/** The URL parts of a request that decide where it goes. */
export interface RequestTarget {
  readonly baseURL?: string | undefined;
  readonly url?: string | undefined;
  readonly allowAbsoluteUrls?: boolean | undefined;
}

/**
 * Decides whether a request may carry the token: only when it goes to the instance's own origin
 * (the origin of its default `baseURL`, or relative to the page) or to an allowed origin. Lookups
 * are cached, so the usual request costs no URL parsing.
 */
export function createOriginPolicy(
  allowed: ReadonlySet<string>,
): (instanceBaseURL: string | undefined, request: RequestTarget) => boolean {
  const ownOriginOf = lastValue(originOf);
  const baseOriginOf = lastValue(originOf);
  const urlOriginOf = lastValue(originOf);

  return (instanceBaseURL, { baseURL, url = '', allowAbsoluteUrls }) => {
    // axios joins base and URL with a '/', so a joined URL has the origin of its base.
    const target =
      baseURL && (allowAbsoluteUrls === false || !absolute.test(url)) ? baseOriginOf(baseURL) : urlOriginOf(url);
    if (target === '') return true;
    if (target === undefined) return false;
    return allowed.has(target) || (!!instanceBaseURL && target === ownOriginOf(instanceBaseURL));
  };
}
