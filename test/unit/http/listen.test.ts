import { describe, expect, it } from 'vitest';
import { baseUrl } from '../../../src/http/listen.js';

describe('baseUrl', () => {
  it('writes an IPv4 address as is', () => {
    expect(baseUrl({ address: '127.0.0.1', family: 'IPv4', port: 8080 })).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it('puts an IPv6 address in brackets', () => {
    expect(baseUrl({ address: '::1', family: 'IPv6', port: 43_210 })).toBe('http://[::1]:43210');
  });
});
