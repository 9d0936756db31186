import { ipInCidr } from './ip-range';

describe(ipInCidr.name, () => {
  it.each([
    ['127.0.0.1', '0.0.0.0/0', true],
    ['127.0.0.1', '127.0.0.0/8', true],
    ['::ffff:127.0.0.1', '127.0.0.0/8', true],
    ['::1', '127.0.0.0/8', true],
    ['10.1.2.3', '10.1.0.0/16', true],
    ['10.2.2.3', '10.1.0.0/16', false],
    ['127.0.0.1', '10.0.0.0/8', false],
    ['192.168.1.1', '192.168.1.1/32', true],
    ['192.168.1.1', 'garbage', false],
  ])('%s in %s is %s', (address, cidr, expected) => {
    expect(ipInCidr(address, cidr)).toBe(expected);
  });
});
