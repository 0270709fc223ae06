import { describe, expect, it } from 'vitest';
import { checkTargetUrl, classifyAddress, literalAddress } from './address.policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['169.254.1.1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a00:1', 'private'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
    ['not-an-ip', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ allowed: false, range });
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::6810:85e5', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(classifyAddress(address).allowed).toBe(true);
  });

  it('lets an allowlisted range through, but never the metadata address', () => {
    const dev = ['127.0.0.0/8', '::1/128', '169.254.0.0/16'];
    expect(classifyAddress('127.0.0.1', dev)).toEqual({ allowed: true, address: '127.0.0.1' });
    expect(classifyAddress('::1', dev)).toEqual({ allowed: true, address: '::1' });
    expect(classifyAddress('::ffff:127.0.0.1', dev)).toEqual({ allowed: true, address: '127.0.0.1' });
    expect(classifyAddress('10.0.0.1', dev)).toMatchObject({ allowed: false, range: 'private' });
    expect(classifyAddress('169.254.169.254', dev)).toMatchObject({ allowed: false, range: 'metadata' });
  });
});

describe('checkTargetUrl', () => {
  it.each([
    ['ftp://example.com/', 'only http and https'],
    ['file:///etc/passwd', 'only http and https'],
    ['http://user:pw@example.com/', 'credentials in the URL are not allowed'],
    ['http://127.0.0.1:8080/hook', '127.0.0.1 is in a refused range (loopback)'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is in a refused range (metadata)'],
    ['http://10.0.0.1/', '10.0.0.1 is in a refused range (private)'],
    ['http://[::1]:9000/', '::1 is in a refused range (loopback)'],
    ['http://[::ffff:7f00:1]/', '127.0.0.1 is in a refused range (loopback)'],
    ['http://2130706433/', '127.0.0.1 is in a refused range (loopback)'],
    ['http://0x7f.1/', '127.0.0.1 is in a refused range (loopback)'],
    ['nope', 'not a URL'],
  ])('refuses %s', (url, reason) => {
    expect(checkTargetUrl(url)).toEqual({ allowed: false, reason });
  });

  it('leaves host names to the connect-time check', () => {
    expect(checkTargetUrl('https://hooks.example.com/x').allowed).toBe(true);
    expect(checkTargetUrl('http://localhost:3000/').allowed).toBe(true);
  });

  it('finds literal addresses', () => {
    expect(literalAddress('[::1]')).toBe('::1');
    expect(literalAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(literalAddress('example.com')).toBeNull();
  });
});
