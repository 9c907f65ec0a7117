import { originOf, resolveUrl } from '../../lib/core/url';

describe('resolveUrl', () => {
  it.each([
    ['https://api.test', '/items', 'https://api.test/items'],
    ['https://api.test/', '/items', 'https://api.test/items'],
    ['https://api.test/v1', '/items', 'https://api.test/v1/items'],
    ['https://api.test/v1/', 'items', 'https://api.test/v1/items'],
    ['https://api.test/v1', 'items/1', 'https://api.test/v1/items/1'],
    ['https://api.test', '//items', 'https://api.test/items'],
    ['https://api.test', 'https://other.test/x', 'https://other.test/x'],
  ])('joins %s and %s as %s', (base, path, expected) => {
    expect(resolveUrl(base, path)).toBe(expected);
  });

  it('appends query parameters, leaving undefined ones out', () => {
    expect(resolveUrl('https://api.test', '/items', { page: 2, q: 'a b', skip: undefined, all: true })).toBe('https://api.test/items?page=2&q=a+b&all=true');
    expect(resolveUrl('https://api.test', '/items?sort=name', { page: 2 })).toBe('https://api.test/items?sort=name&page=2');
  });
});

describe('originOf', () => {
  it('reads the origin of an absolute URL and nothing of a path', () => {
    expect(originOf('https://api.test:8443/x?y')).toBe('https://api.test:8443');
    expect(originOf('/relative')).toBeUndefined();
    expect(originOf('data:text/plain,hi')).toBeUndefined(); // opaque origin 'null'
  });
});
