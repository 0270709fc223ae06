// Which network addresses an outbound request of ours (webhooks) may reach: public unicast only, unless a deployment
// allows some ranges for development. Pure, on ipaddr.js's range tables rather than CIDR math of our own.
import ipaddr from 'ipaddr.js';

/** Cloud instance metadata: refused even when their range is allowed. */
const METADATA = ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2'].map((a) => ipaddr.parse(a).toString());

export type AddressVerdict =
  | { allowed: true; address: string }
  /** `range`: ipaddr.js's name of the range (loopback, private, linkLocal, uniqueLocal, …), `metadata` or `invalid`. */
  | { allowed: false; address: string; range: string };

export interface AddressAllowlist {
  /** CIDRs a development deployment lets through although they are not public (e.g. 127.0.0.0/8, ::1/128). */
  cidrs: readonly string[];
}

/** Parses CIDRs once; throws on a malformed one (an env schema turns that into a boot error naming the variable). */
export function parseCidrs(cidrs: readonly string[]): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  return cidrs.map((c) => ipaddr.parseCIDR(c.trim()));
}

/**
 * Whether `address` (an IP literal, no brackets) may be connected to. An IPv4-mapped IPv6 address is judged as the
 * IPv4 address it carries; the IPv6 forms that embed IPv4 otherwise (NAT64, 6to4, Teredo) are refused outright.
 */
export function classifyAddress(address: string, allow: readonly string[] = []): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, address, range: 'invalid' };
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const normal = ip.toString();
  if (METADATA.includes(normal)) return { allowed: false, address: normal, range: 'metadata' };
  const range = ip.range();
  if (range === 'unicast') return { allowed: true, address: normal };
  for (const [net, bits] of parseCidrs(allow)) {
    if (net.kind() === ip.kind() && ip.match(net, bits)) return { allowed: true, address: normal };
  }
  return { allowed: false, address: normal, range };
}

/** A host as URL puts it (`[::1]`), without the brackets; null when it is a name rather than an address. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) && (bare.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(bare)) ? bare : null;
}

export type UrlVerdict = { allowed: true; url: URL } | { allowed: false; reason: string };

/**
 * What can be said of a target URL before resolving it: http(s), no credentials, and, when its host is a literal
 * address, an allowed one. A host name is judged at connect time, address by address.
 */
export function checkTargetUrl(raw: string, allow: readonly string[] = []): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { allowed: false, reason: 'only http and https' };
  if (url.username || url.password) return { allowed: false, reason: 'credentials in the URL are not allowed' };
  const literal = literalAddress(url.hostname);
  if (literal === null) {
    // WHATWG URL already turned decimal, octal and hex IPv4 forms (http://2130706433/) into dotted quads.
    return { allowed: true, url };
  }
  const verdict = classifyAddress(literal, allow);
  return verdict.allowed
    ? { allowed: true, url }
    : { allowed: false, reason: `${verdict.address} is in a refused range (${verdict.range})` };
}
